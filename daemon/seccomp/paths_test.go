package seccomp

import "testing"

func TestPaths(t *testing.T) {
	if got := FileName("nginx"); got != "nginx.json" {
		t.Errorf("FileName = %q", got)
	}
	if got := LocalhostProfile("nginx"); got != "operator/nginx.json" {
		t.Errorf("LocalhostProfile = %q", got)
	}
	if Subdir != "seccomp/operator" {
		t.Errorf("Subdir = %q", Subdir)
	}
}

func TestProfilePath(t *testing.T) {
	tests := map[string]struct {
		kubeletDir string
		name       string
		want       string
		wantReason string
		wantMsg    string
	}{
		"puts the profile under the kubelet's seccomp directory": {
			kubeletDir: "/var/lib/kubelet", name: "nginx", want: "/var/lib/kubelet/seccomp/operator/nginx.json",
		},
		"follows a custom kubelet root directory": {
			kubeletDir: "/data/kubelet/", name: "nginx", want: "/data/kubelet/seccomp/operator/nginx.json",
		},
		"agrees with LocalhostProfile relative to the seccomp root": {
			kubeletDir: "/k", name: "a.b-c", want: "/k/seccomp/" + LocalhostProfile("a.b-c"),
		},
		"refuses a name that climbs out of the directory": {
			kubeletDir: "/var/lib/kubelet", name: "../x",
			wantReason: ReasonInvalidName, wantMsg: `profile name "../x" would escape /var/lib/kubelet/seccomp/operator`,
		},
		"refuses an empty name": {
			kubeletDir: "/var/lib/kubelet", wantReason: ReasonInvalidName, wantMsg: "empty",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ProfilePath(tc.kubeletDir, tc.name)
			assertError(t, err, tc.wantReason, fieldIf(tc.wantReason, "metadata.name"), tc.wantMsg)
			if got != tc.want {
				t.Fatalf("ProfilePath = %q, want %q", got, tc.want)
			}
		})
	}
}

func fieldIf(reason, field string) string {
	if reason == "" {
		return ""
	}
	return field
}
