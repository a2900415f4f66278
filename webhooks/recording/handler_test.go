package recording

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	v1 "github.com/secprofiles/spo/api/v1"
)

// The envtest suite covers the handler against a real API server; these
// cover the answers a real server cannot be made to provoke: recordings the
// CRD would refuse, and failing reads.

// stubReader lists fixed recordings and remembers the namespace asked for.
type stubReader struct {
	items     []v1.ProfileRecording
	err       error
	namespace *string
}

func (r stubReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return errors.New("the handler only lists")
}

func (r stubReader) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	var o client.ListOptions
	o.ApplyOptions(opts)
	if r.namespace != nil {
		*r.namespace = o.Namespace
	}
	if r.err != nil {
		return r.err
	}
	list.(*v1.ProfileRecordingList).Items = r.items
	return nil
}

func handle(t *testing.T, r stubReader, random io.Reader, req admission.Request) admission.Response {
	t.Helper()
	h := NewHandler(r)
	h.Rand = random
	return h.Handle(context.Background(), req)
}

func podRequest(t *testing.T) admission.Request {
	t.Helper()
	raw, err := json.Marshal(pod([]string{"a"}))
	if err != nil {
		t.Fatal(err)
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: admissionv1.Create, Namespace: "ns", Object: runtime.RawExtension{Raw: raw},
	}}
}

func TestHandlerDeniesAnImpossibleRecording(t *testing.T) {
	r := stubReader{items: []v1.ProfileRecording{recording("bad", v1.RecordingSelinuxProfile, v1.RecorderBpf)}}
	resp := handle(t, r, constReader(0), podRequest(t))
	want := `ProfileRecording "bad": kind "SelinuxProfile" cannot be recorded with recorder "Bpf"`
	if resp.Allowed || resp.Result == nil || resp.Result.Message != want {
		t.Errorf("got allowed=%v result=%+v, want denied with %q", resp.Allowed, resp.Result, want)
	}
}

func TestHandlerListsThePodsNamespace(t *testing.T) {
	var ns string
	resp := handle(t, stubReader{namespace: &ns}, constReader(0), podRequest(t))
	if ns != "ns" || !resp.Allowed || len(resp.Patches) != 0 {
		t.Errorf("listed namespace %q, response %+v; want ns, allowed without patches", ns, resp)
	}
}

func TestHandlerErrors(t *testing.T) {
	notAPod := podRequest(t)
	notAPod.Object.Raw = []byte("[")
	for name, tc := range map[string]struct {
		reader stubReader
		random io.Reader
		req    admission.Request
		code   int32
		msg    string
	}{
		"a request that is not a pod": {stubReader{}, constReader(0), notAPod, http.StatusBadRequest, "decoding the pod"},
		"recordings cannot be listed": {stubReader{err: errors.New("cache down")}, constReader(0), podRequest(t),
			http.StatusInternalServerError, `listing ProfileRecordings in "ns": cache down`},
		"the random source fails": {stubReader{}, iotest.ErrReader(io.ErrUnexpectedEOF), podRequest(t),
			http.StatusInternalServerError, "reading the nonce"},
	} {
		resp := handle(t, tc.reader, tc.random, tc.req)
		if resp.Allowed || resp.Result == nil || resp.Result.Code != tc.code || !strings.Contains(resp.Result.Message, tc.msg) {
			t.Errorf("%s: got allowed=%v result=%+v, want code %d with %q", name, resp.Allowed, resp.Result, tc.code, tc.msg)
		}
	}
}

// An API server newer than the webhook sends fields the webhook's Pod type
// lacks; the patch must not remove them.
func TestHandlerKeepsFieldsItDoesNotKnow(t *testing.T) {
	raw := []byte(`{"metadata":{"name":"web-1","labels":{"app":"web"},"futureMeta":"x"},` +
		`"spec":{"futureField":{"a":1},"containers":[{"name":"a","image":"img","futureContainerField":true}]}}`)
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		Operation: admissionv1.Create, Namespace: "ns", Object: runtime.RawExtension{Raw: raw},
	}}
	r := stubReader{items: []v1.ProfileRecording{recording("rec", v1.RecordingSeccompProfile, v1.RecorderLogs)}}
	resp := handle(t, r, constReader(0), req)
	if !resp.Allowed || len(resp.Patches) == 0 {
		t.Fatalf("got %+v, want a patch", resp)
	}
	for _, op := range resp.Patches {
		if op.Operation == "remove" || strings.Contains(op.Path, "future") {
			t.Errorf("patch touches a field the webhook does not own: %s %s", op.Operation, op.Path)
		}
	}
	ops, err := json.Marshal(resp.Patches)
	if err != nil {
		t.Fatal(err)
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		t.Fatal(err)
	}
	got, err := patch.Apply(raw)
	if err != nil {
		t.Fatalf("the patch does not apply to the request's object: %v", err)
	}
	for _, want := range []string{`"futureMeta":"x"`, `"futureField":{"a":1}`, `"futureContainerField":true`,
		`"io.containers.trace-logs/a":"rec_a_aaaaa_`, `"localhostProfile":"operator/log-enricher-trace.json"`,
		`"spo.x-k8s.io/enable-recording":"true"`} {
		if !strings.Contains(string(got), want) {
			t.Errorf("patched object lacks %s:\n%s", want, got)
		}
	}
}
