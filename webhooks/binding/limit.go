package binding

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// MaxRequestBytes is the largest AdmissionReview the binding webhook
// decides; a larger one is denied with a message naming this limit.
//
// A pod whose encoding fits in etcd's default request limit (1.5 MiB) fits
// twice (an ephemeral-container update carries the pod before and after),
// so no pod the cluster could store is refused. The API server accepts
// request bodies of up to 3 MiB, but defaulting adds several fields to every
// container, so a small body with many tiny containers reaches the webhook
// many times larger. Without a cap such a request costs the webhook, which
// every opted-in namespace waits on, time and memory for a pod that could
// never be stored; and above controller-runtime's own 7 MiB limit the API
// server would only see an invalid response, not the reason.
const MaxRequestBytes = 6 << 20

// LimitRequests serves next only AdmissionReviews of up to MaxRequestBytes,
// and denies larger ones. The review's uid comes before the object in what
// the API server sends, so it is read from the part within the limit.
func LimitRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
		if err != nil {
			http.Error(w, fmt.Sprintf("reading the admission request: %v", err), http.StatusBadRequest)
			return
		}
		if len(body) <= MaxRequestBytes {
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
			return
		}
		uid := reviewUID(body)
		if uid == "" {
			http.Error(w, tooLarge(), http.StatusRequestEntityTooLarge)
			return
		}
		resp := admission.Denied(tooLarge())
		resp.UID = uid
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
			Response: &resp.AdmissionResponse,
		})
	})
}

func tooLarge() string {
	return fmt.Sprintf("the admission request for this pod is larger than %d bytes (6 MiB), the most the binding webhook decides; "+
		"a pod this large could not be stored with etcd's default limits", MaxRequestBytes)
}

// reviewUID returns request.uid of a (possibly truncated) AdmissionReview,
// or "" when it cannot be found before the truncation.
func reviewUID(body []byte) types.UID {
	dec := json.NewDecoder(bytes.NewReader(body))
	if !enterObject(dec) {
		return ""
	}
	if !findKey(dec, "request") || !enterObject(dec) || !findKey(dec, "uid") {
		return ""
	}
	var uid string
	if dec.Decode(&uid) != nil {
		return ""
	}
	return types.UID(uid)
}

func enterObject(dec *json.Decoder) bool {
	t, err := dec.Token()
	return err == nil && t == json.Delim('{')
}

// findKey advances dec, inside an object, to the value of key, skipping
// the values of the keys before it.
func findKey(dec *json.Decoder, key string) bool {
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		if t == key {
			return true
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}
