package selinux

import (
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

// FuzzTranslate: Translate never panics, and what it accepts is a module
// the raw checks accept too: its body (inside the block) is a policy a
// RawSelinuxProfile may hold under the same options, so the two kinds
// agree on what a profile may grant, and it parses back into one block
// named after the profile.
func FuzzTranslate(f *testing.F) {
	f.Add("web", "http_port_t", "tcp_socket", "name_bind listen", "container", false)
	f.Add("errorlogger", "@self", "file", "read open", "net_container", true)
	f.Add("x", "var_log_t", "security", "setenforce", "container", false)
	f.Add("a-b_c", "kernel_t", "capability2", "all", "container", true)
	f.Add("p", "x.y", "file", "read", "", false)
	f.Add("p", "t", "file", "", "container", false)
	f.Fuzz(func(t *testing.T, name, typ, class, perms, inherit string, permissive bool) {
		p := profile(name, allowMap{v1.LabelKey(typ): {v1.ObjectClassKey(class): strings.Fields(perms)}})
		if inherit != "" {
			p.Spec.Inherit = []v1.PolicyRef{system(inherit)}
		}
		if permissive {
			p.Spec.Mode = v1.SelinuxPermissive
		}
		opts := Options{AllowedSystemProfiles: []string{"net_container"}}
		cil, err := Translate(p, opts, getter())
		if err != nil {
			return
		}
		root, err := parseCIL(string(cil))
		if err != nil {
			t.Fatalf("Translate wrote CIL its own parser refuses: %v\n%s", err, cil)
		}
		if len(root.list) != 1 || root.list[0].head() != "block" || len(root.list[0].list) < 2 ||
			root.list[0].list[1].atom != name {
			t.Fatalf("want one block %q:\n%s", name, cil)
		}
		body := strings.TrimSuffix(strings.TrimPrefix(string(cil), "(block "+name+"\n"), ")\n")
		if err := ValidateRaw(body, opts); err != nil {
			t.Fatalf("the raw checks refuse what Translate accepted: %v\n%s", err, cil)
		}
	})
}
