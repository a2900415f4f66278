package nodefs

import (
	"strings"
	"testing"
)

func TestSafeJoin(t *testing.T) {
	const dir = "/var/lib/kubelet/seccomp/operator"
	tests := map[string]struct {
		name    string
		ext     string
		want    string
		wantErr string
	}{
		"joins a plain name and its extension": {
			name: "nginx-1.19", ext: ".json", want: dir + "/nginx-1.19.json",
		},
		"accepts a name of exactly 250 bytes with a 5-byte extension": {
			name: strings.Repeat("a", 250), ext: ".json", want: dir + "/" + strings.Repeat("a", 250) + ".json",
		},
		"accepts a name of 253 bytes without an extension": {
			name: strings.Repeat("a", 253), want: dir + "/" + strings.Repeat("a", 253),
		},
		"accepts dots inside the name": {
			name: "a..b", ext: ".json", want: dir + "/a..b.json",
		},
		"refuses an empty name": {
			wantErr: "profile name is empty",
		},
		"refuses a name that climbs out of the directory": {
			name: "../x", ext: ".json", wantErr: `profile name "../x" would escape /var/lib/kubelet/seccomp/operator`,
		},
		"refuses the parent directory itself": {
			name: "..", wantErr: `profile name ".." would escape`,
		},
		"refuses the directory itself": {
			name: ".", wantErr: `profile name "." would escape`,
		},
		"refuses a name with a slash": {
			name: "a/b", wantErr: `profile name "a/b" contains a path separator`,
		},
		"refuses an absolute path": {
			name: "/etc/passwd", wantErr: "contains a path separator",
		},
		"refuses a name with a backslash": {
			name: `a\b`, wantErr: "contains a path separator",
		},
		"refuses a name with a NUL byte": {
			name: "a\x00b", wantErr: "contains a NUL byte",
		},
		"refuses a hidden name that could collide with temporary files": {
			name: ".spo-1.tmp", wantErr: `profile name ".spo-1.tmp" starts with a dot`,
		},
		"refuses a name longer than 253 bytes": {
			name: strings.Repeat("a", 254), wantErr: "profile name is 254 bytes long, more than 253",
		},
		"refuses a name whose file name would exceed NAME_MAX": {
			name: strings.Repeat("a", 253), ext: ".json", wantErr: "makes a file name of 258 bytes, more than the 255",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := SafeJoin(dir, tc.name, tc.ext)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("SafeJoin(%q) error = %v, want one containing %q", tc.name, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("SafeJoin(%q): %v", tc.name, err)
			}
			if got != tc.want {
				t.Fatalf("SafeJoin(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}
