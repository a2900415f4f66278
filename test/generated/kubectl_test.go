package generated

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secprofiles/spo/test/controlplane"
)

// oneOfEach is one object of every kind, as small as validation allows.
const oneOfEach = `
apiVersion: v1
kind: Namespace
metadata:
  name: security-profiles-operator
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SeccompProfile
metadata:
  name: docs-seccomp
spec:
  defaultAction: SCMP_ACT_LOG
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SelinuxProfile
metadata:
  name: docs-selinux
spec:
  allow:
    '@self':
      tcp_socket: [listen]
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: RawSelinuxProfile
metadata:
  name: docs-raw
spec:
  policy: |
    (blockinherit container)
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: AppArmorProfile
metadata:
  name: docs-apparmor
spec: {}
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileBinding
metadata:
  name: docs-binding
  namespace: security-profiles-operator
spec:
  profileRef:
    kind: SeccompProfile
    name: docs-seccomp
  image: nginx
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: ProfileRecording
metadata:
  name: docs-recording
  namespace: security-profiles-operator
spec:
  kind: SeccompProfile
  recorder: Bpf
  podSelector:
    matchLabels:
      app: docs
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SecurityProfileNodeStatus
metadata:
  name: docs-seccomp-node-a
spec:
  nodeName: node-a
---
apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SecurityProfilesOperatorDaemon
metadata:
  name: spod
  namespace: security-profiles-operator
`

// TestKubectlGetShowsTheColumns applies one object of every kind with the
// real kubectl against a real API server, then lists each kind by the name
// users type (the short name where there is one) and checks the header
// line `kubectl get -o wide` prints.
func TestKubectlGetShowsTheColumns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server")
	}
	env, err := controlplane.New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	})
	kubectl := func(args ...string) string {
		t.Helper()
		stdout, stderr, err := env.ControlPlane.KubeCtl().Run(args...)
		out, _ := io.ReadAll(stdout)
		if err != nil {
			msg, _ := io.ReadAll(stderr)
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, msg)
		}
		return string(out)
	}

	manifest := filepath.Join(t.TempDir(), "objects.yaml")
	if err := os.WriteFile(manifest, []byte(oneOfEach), 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl("apply", "-f", manifest)

	for _, tc := range []struct {
		resource string // what a user types
		kind     string
	}{
		{"sp", "SeccompProfile"},
		{"selinuxprofiles", "SelinuxProfile"},
		{"rawselinuxprofiles", "RawSelinuxProfile"},
		{"aa", "AppArmorProfile"},
		{"profilebindings", "ProfileBinding"},
		{"profilerecordings", "ProfileRecording"},
		{"spns", "SecurityProfileNodeStatus"},
		{"spod", "SecurityProfilesOperatorDaemon"},
	} {
		out := kubectl("get", tc.resource, "-n", "security-profiles-operator", "-o", "wide")
		t.Logf("kubectl get %s -o wide\n%s", tc.resource, out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 {
			t.Errorf("kubectl get %s printed %d lines, want a header and one object:\n%s", tc.resource, len(lines), out)
			continue
		}
		want := []string{"NAME"}
		for _, c := range kubectlViews[tc.kind].columns {
			want = append(want, strings.ToUpper(strings.TrimSuffix(c, " (wide)")))
		}
		if got := strings.Fields(lines[0]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("kubectl get %s -o wide header is %q, want %q", tc.resource, got, want)
		}
		if !strings.HasPrefix(lines[1], "docs-") && !strings.HasPrefix(lines[1], "spod ") {
			t.Errorf("kubectl get %s listed %q", tc.resource, lines[1])
		}
	}

	// kubectl explain reads the descriptions the API server publishes from
	// the CRDs, that is the Go doc comments: a nested field of a Kubernetes
	// type and one of spo's own.
	for field, want := range map[string]string{
		"spod.spec.scheduling.tolerations": "Tolerations of the daemon's pods",
		"sp.spec.syscalls.action":          "Action for the matching syscalls",
	} {
		if out := kubectl("explain", field); !strings.Contains(out, want) {
			t.Errorf("kubectl explain %s does not say %q:\n%s", field, want, out)
		}
	}
}
