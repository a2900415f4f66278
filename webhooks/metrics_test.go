package webhooks

import (
	"net/http"
	"testing"

	"gomodules.xyz/jsonpatch/v2"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

func TestDecision(t *testing.T) {
	tests := map[string]struct {
		resp admission.Response
		want string
	}{
		"counts a plain allow as allowed":       {admission.Allowed(""), "allowed"},
		"counts a response with patches":        {admission.Response{Patches: []jsonpatch.Operation{{Operation: "add", Path: "/x"}}, AdmissionResponse: admission.Allowed("").AdmissionResponse}, "mutated"},
		"counts a denial":                       {admission.Denied("no"), "denied"},
		"counts a server-side failure as error": {admission.Errored(http.StatusInternalServerError, errTest{}), "error"},
		"counts a bad request as denied":        {admission.Errored(http.StatusBadRequest, errTest{}), "denied"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Decision(tc.resp); got != tc.want {
				t.Errorf("Decision() = %q, want %q", got, tc.want)
			}
		})
	}
}

type errTest struct{}

func (errTest) Error() string { return "test" }
