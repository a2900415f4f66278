package binding

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestReviewUID(t *testing.T) {
	tests := map[string]struct {
		body string
		want types.UID
	}{
		"reads request.uid after kind and apiVersion": {
			`{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"abc","kind":{"kind":"Pod"}}}`, "abc"},
		"reads it from a review cut off inside the object": {
			`{"kind":"AdmissionReview","request":{"uid":"abc","object":{"spec":{"containers":[{"name":"c`, "abc"},
		"skips keys before it, whatever their values": {
			`{"request":{"kind":{"group":"","kind":"Pod"},"uid":"u-1"}}`, "u-1"},
		"finds nothing in a review cut off before the uid": {`{"kind":"AdmissionReview","request":{"ki`, ""},
		"finds nothing in something that is not an object": {`["request"]`, ""},
		"does not take a uid outside request":              {`{"uid":"x","request":{}}`, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := reviewUID([]byte(tc.body)); got != tc.want {
				t.Errorf("reviewUID = %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzReviewUID(f *testing.F) {
	f.Add([]byte(`{"request":{"uid":"abc"}}`))
	f.Add([]byte(`{"kind":"AdmissionReview","request":{"kind":{"kind":"Pod"},"uid":"u"`))
	f.Add([]byte(`{"request":`))
	f.Fuzz(func(t *testing.T, body []byte) {
		reviewUID(body) // must not panic on anything
	})
}

func TestLimitRequests(t *testing.T) {
	served := false
	h := LimitRequests(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served = true }))
	head := `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"big-1","object":{"x":"`

	t.Run("passes a request at the limit through", func(t *testing.T) {
		served = false
		body := head + strings.Repeat("a", MaxRequestBytes-len(head)-4) + `"}}}`
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		if !served {
			t.Error("a request of exactly MaxRequestBytes was not served")
		}
	})
	t.Run("denies a request above the limit, naming it, under the request's uid", func(t *testing.T) {
		served = false
		body := head + strings.Repeat("a", MaxRequestBytes) + `"}}}`
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
		var review admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil || review.Response == nil {
			t.Fatalf("response %q is not an AdmissionReview: %v", rec.Body.String(), err)
		}
		r := review.Response
		if served || r.Allowed || r.UID != "big-1" || !strings.Contains(r.Result.Message, "larger than 6291456 bytes (6 MiB)") {
			t.Errorf("served %v, response %+v, message %q", served, r, r.Result.Message)
		}
	})
}
