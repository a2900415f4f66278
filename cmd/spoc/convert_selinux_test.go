package main

import (
	"os"
	"strings"
	"testing"

	"github.com/secprofiles/spo/test/selinuxd"
)

const selinuxChild = `apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SelinuxProfile
metadata:
  name: web
spec:
  inherit:
    - kind: SelinuxProfile
      name: base-web
    - kind: System
      name: net_container
  mode: Permissive
  allow:
    "@self":
      tcp_socket: [listen]
`

const selinuxBase = `apiVersion: security-profiles-operator.x-k8s.io/v1
kind: SelinuxProfile
metadata:
  name: base-web
spec:
  allow:
    var_log_t:
      dir: [read, open, read]
`

func TestConvertSelinux(t *testing.T) {
	tests := []struct {
		sentence string
		in       string
		bases    []string
		want     string
	}{{
		"the SelinuxProfile example becomes its CIL module", readExample(t, "selinuxprofile.yaml"), nil,
		`(block nginx-secure
(blockinherit container)
(allow process nginx-secure.process ( tcp_socket ( accept listen )))
(allow process http_port_t ( tcp_socket ( name_bind )))
(allow process node_t ( tcp_socket ( name_bind )))
)
`,
	}, {
		"the RawSelinuxProfile example is wrapped in its block", readExample(t, "rawselinuxprofile.yaml"), nil,
		`(block errorlogger
    (blockinherit container)
    ; the log files this container writes get a type of their own
    (type logfile)
    (allow process logfile (file (create open read write append getattr)))
    (allow process var_log_t (dir (open read getattr search add_name write)))
)
`,
	}, {
		"a profile inheriting another given as an extra argument", selinuxChild, []string{selinuxBase},
		`(block web
(blockinherit base-web)
(blockinherit net_container)
(typepermissive process)
(allow process web.process ( tcp_socket ( listen )))
)
`,
	}, {
		"a base without inherit gets the container template", selinuxBase, nil,
		`(block base-web
(blockinherit container)
(allow process var_log_t ( dir ( open read )))
)
`,
	}}
	secilc := selinuxd.RequireSecilc(t)
	for _, tc := range tests {
		t.Run(tc.sentence, func(t *testing.T) {
			got, err := convertSelinux([]byte(tc.in), bytesOf(tc.bases))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			var mods [][]byte
			for _, b := range tc.bases {
				m, err := convertSelinux([]byte(b), nil)
				if err != nil {
					t.Fatal(err)
				}
				mods = append(mods, m)
			}
			if err := selinuxd.Compile(secilc, append(mods, got)...); err != nil {
				t.Fatalf("does not compile: %v", err)
			}
		})
	}
}

func TestConvertSelinuxRefuses(t *testing.T) {
	tests := []struct {
		sentence, in string
		bases        []string
		want         string
	}{
		{"a missing base names the chain", selinuxChild, nil, `inherited SelinuxProfile "base-web" not found (chain web -> base-web)`},
		{"a forbidden permission names the field", strings.Replace(selinuxBase, "dir: [read, open, read]", "security: [setenforce]", 1), nil,
			"spec.allow.var_log_t.security[0]: security setenforce is never allowed"},
		{"a misspelt field is an error", strings.Replace(selinuxBase, "allow:", "alow:", 1), nil, `unknown field "alow"`},
		{"another kind is refused", strings.Replace(selinuxBase, "kind: SelinuxProfile", "kind: SeccompProfile", 1), nil, `kind is "SeccompProfile"`},
		{"a raw profile escaping its block", "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: RawSelinuxProfile\nmetadata: {name: x}\nspec:\n  policy: \"(type a)) (typepermissive kernel_t) ((\"\n",
			nil, "closes nothing"},
		{"a raw profile takes no bases", readExample(t, "rawselinuxprofile.yaml"), []string{selinuxBase}, "extra arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.sentence, func(t *testing.T) {
			_, err := convertSelinux([]byte(tc.in), bytesOf(tc.bases))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func readExample(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../../examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func bytesOf(ss []string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, []byte(s))
	}
	return out
}
