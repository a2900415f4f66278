package execmetadata

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

const uid = "6c0d7e0e-3b8f-4a5e-9d57-0e7c51a1b2c3"

func TestRewrite(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  []string
		want []string
	}{
		{"plain command", []string{"ls", "-l"}, []string{"env", envAssign + uid, "ls", "-l"}},
		{"already rewritten: the prefix is replaced, not doubled",
			[]string{"env", envAssign + "old", "ls"}, []string{"env", envAssign + uid, "ls"}},
		{"a forged value in an argument is overwritten",
			[]string{"env", "SPO_EXEC_REQUEST_UID=forged", "sh"}, []string{"env", envAssign + uid, "sh"}},
		{"inside a shell string, the rest of the script is kept",
			[]string{"sh", "-c", "SPO_EXEC_REQUEST_UID=x; export SPO_EXEC_REQUEST_UID=y && id"},
			[]string{"env", envAssign + uid, "sh", "-c", "SPO_EXEC_REQUEST_UID=" + uid + "; export SPO_EXEC_REQUEST_UID=" + uid + " && id"}},
		{"a user's env with another variable is kept", []string{"env", "A=1", "id"}, []string{"env", envAssign + uid, "env", "A=1", "id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.cmd)
			got := Rewrite(in, uid)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Rewrite(%q) = %q, want %q", tc.cmd, got, tc.want)
			}
			if !slices.Equal(in, tc.cmd) {
				t.Fatalf("Rewrite changed its input: %q", in)
			}
			if again := Rewrite(got, uid); !slices.Equal(again, got) {
				t.Fatalf("not idempotent: %q", again)
			}
		})
	}
}

func FuzzRewrite(f *testing.F) {
	f.Add("ls", "SPO_EXEC_REQUEST_UID=x y", "a")
	f.Add("env", "SPO_EXEC_REQUEST_UID=", "SPO_EXEC_REQUEST_UID=SPO_EXEC_REQUEST_UID=")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		got := Rewrite([]string{a, b, c}, uid)
		if len(got) < 3 || got[0] != "env" || got[1] != envAssign+uid {
			t.Fatalf("no prefix: %q", got)
		}
		// Every value the command assigns is the real UID.
		for _, arg := range got {
			for rest := arg; ; {
				i := strings.Index(rest, envAssign)
				if i < 0 {
					break
				}
				rest = rest[i+len(envAssign):]
				if !strings.HasPrefix(rest, uid) {
					t.Fatalf("forged value survives in %q", arg)
				}
			}
		}
		if again := Rewrite(got, uid); !slices.Equal(again, got) {
			t.Fatalf("not idempotent: %q → %q", got, again)
		}
	})
}

// execRequest is a CONNECT pods/exec request as the API server sends it.
func execRequest(t *testing.T, cmd ...string) admission.Request {
	t.Helper()
	raw, err := json.Marshal(&corev1.PodExecOptions{TypeMeta: metav1.TypeMeta{Kind: "PodExecOptions", APIVersion: "v1"},
		Container: "app", Command: cmd, Stdout: true})
	if err != nil {
		t.Fatal(err)
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: uid, Kind: metav1.GroupVersionKind{Version: "v1", Kind: "PodExecOptions"},
		Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"}, SubResource: "exec",
		Operation: admissionv1.Connect, Namespace: "ns", Name: "pod", Object: runtime.RawExtension{Raw: raw},
	}}
}

// patched applies a response's patch to the request's object.
func patched(t *testing.T, req admission.Request, resp admission.Response) corev1.PodExecOptions {
	t.Helper()
	raw, err := json.Marshal(resp.Patches)
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Apply(req.Object.Raw)
	if err != nil {
		t.Fatal(err)
	}
	var opts corev1.PodExecOptions
	if err := json.Unmarshal(out, &opts); err != nil {
		t.Fatal(err)
	}
	return opts
}

func TestHandlerPatchesTheCommandAndAnnotatesTheAudit(t *testing.T) {
	req := execRequest(t, "sh", "-c", "id")
	resp := Handler{}.Handle(context.Background(), req)
	if !resp.Allowed {
		t.Fatalf("refused: %+v", resp.Result)
	}
	got := patched(t, req, resp)
	if want := []string{"env", envAssign + uid, "sh", "-c", "id"}; !slices.Equal(got.Command, want) {
		t.Fatalf("command %q, want %q", got.Command, want)
	}
	if got.Container != "app" || !got.Stdout {
		t.Fatalf("other fields changed: %+v", got)
	}
	if resp.AuditAnnotations[EnvName] != uid {
		t.Fatalf("audit annotations %v", resp.AuditAnnotations)
	}
}

func TestHandlerAdmitsOtherRequestsUnchanged(t *testing.T) {
	req := execRequest(t, "ls")
	req.Operation = admissionv1.Create
	req.Kind.Kind = "Pod"
	resp := Handler{}.Handle(context.Background(), req)
	if !resp.Allowed || len(resp.Patches) != 0 {
		t.Fatalf("response %+v", resp)
	}
	bad := execRequest(t, "ls")
	bad.Object.Raw = []byte("{")
	if resp := (Handler{}).Handle(context.Background(), bad); !resp.Allowed || len(resp.Patches) != 0 {
		t.Fatalf("an undecodable object: %+v; want it admitted unchanged (the webhook never decides)", resp)
	}
}
