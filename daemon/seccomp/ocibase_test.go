package seccomp

import (
	"strings"
	"testing"
)

func TestParseBaseProfile(t *testing.T) {
	for name, tt := range map[string]struct {
		layer, wantErr string
		wantSyscall    string
	}{
		"a SeccompProfile manifest": {
			layer:       "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - {names: [read], action: SCMP_ACT_ALLOW}\n",
			wantSyscall: "read",
		},
		"SPO's v1beta1 manifest": {
			layer:       "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n  syscalls:\n  - {names: [write], action: SCMP_ACT_ALLOW}\n",
			wantSyscall: "write",
		},
		"OCI seccomp JSON (SPO's runtime-format artifact)": {
			layer:       `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["close"],"action":"SCMP_ACT_ALLOW"}]}`,
			wantSyscall: "close",
		},
		"another kind":       {layer: "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: AppArmorProfile\n", wantErr: "not a SeccompProfile"},
		"another API group":  {layer: "apiVersion: example.com/v1\nkind: SeccompProfile\n", wantErr: "not a SeccompProfile"},
		"not YAML":           {layer: "\t{[", wantErr: "not YAML"},
		"empty":              {layer: "", wantErr: "not a SeccompProfile"},
		"OCI JSON, bad type": {layer: `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":"read"}`, wantErr: "OCI seccomp JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := parseProfile([]byte(tt.layer))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseProfile: %v, want an error about %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Spec.Syscalls) != 1 || p.Spec.Syscalls[0].Names[0] != tt.wantSyscall {
				t.Errorf("parsed %+v", p.Spec)
			}
		})
	}
}

// FuzzParseBaseProfile: a registry serves whatever it likes; parsing a
// layer never panics, and neither does validating what it accepts (the
// installer validates the merged spec before anything is written).
func FuzzParseBaseProfile(f *testing.F) {
	f.Add([]byte("apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nspec:\n  defaultAction: SCMP_ACT_ERRNO\n"))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ERRNO","args":[{"index":9,"op":"SCMP_CMP_EQ"}]}]}`))
	f.Add([]byte("kind: SeccompProfile\n"))
	f.Fuzz(func(t *testing.T, layer []byte) {
		p, err := parseProfile(layer)
		if err != nil {
			return
		}
		if p == nil {
			t.Fatal("no profile and no error")
		}
		_ = Validate(&p.Spec) // must not panic either
	})
}
