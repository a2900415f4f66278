package apparmor

import (
	"context"
	"strings"
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
)

// FuzzValidateRender: for any abstract, Validate never panics, and what
// it accepts Render renders without panicking into text apparmor_parser
// (-QK, the package's parser) compiles: a path Validate lets through must
// never end a rule or the profile early. paths holds one path per line;
// a line's first byte picks its list.
func FuzzValidateRender(f *testing.F) {
	f.Add("web", "e/usr/sbin/nginx\nl/usr/lib/**\nr/etc/nginx/**\nw/var/log/*.log\nx/run/nginx.pid", "net_bind_service setuid", byte(7), false)
	f.Add("a.b", "r/a b/#c\nw/{x,y}/z", "", byte(0), true)
	f.Add("x", "r/etc/\"shadow\nr/ok", "sys_admin", byte(1), false)
	f.Add("x", "r/a\\", "nosuch", byte(2), false)
	f.Add("x", "r/a{b,{c}}\nr/a,b", "", byte(4), true)
	f.Add("x", "r/a\\}\nw/[^x]*\nx/@{PROC}/1/**", "", byte(3), false)
	f.Add("-x", "r", "", byte(0), false)
	f.Add("x", "r/ünïcode/é\x01", "", byte(0), false)
	f.Fuzz(func(t *testing.T, name, paths, caps string, network byte, complain bool) {
		var a v1.AppArmorAbstract
		lists := map[byte]*[]v1.AppArmorPath{}
		a.Executable = &v1.AppArmorExecutablesRules{}
		a.Filesystem = &v1.AppArmorFsRules{}
		lists['e'], lists['l'] = &a.Executable.AllowedExecutables, &a.Executable.AllowedLibraries
		lists['r'], lists['w'], lists['x'] = &a.Filesystem.ReadOnlyPaths, &a.Filesystem.WriteOnlyPaths, &a.Filesystem.ReadWritePaths
		for _, l := range strings.Split(paths, "\n") {
			if l == "" {
				continue
			}
			if list, ok := lists[l[0]]; ok {
				*list = append(*list, v1.AppArmorPath(l[1:]))
			}
		}
		a.Network = &v1.AppArmorNetworkRules{AllowRaw: ptr(network&1 != 0),
			Protocols: &v1.AppArmorAllowedProtocols{AllowTCP: ptr(network&2 != 0), AllowUDP: ptr(network&4 != 0)}}
		a.Capability = &v1.AppArmorCapabilityRules{AllowedCapabilities: strings.Fields(caps)}
		mode := v1.AppArmorEnforce
		if complain {
			mode = v1.AppArmorComplain
		}
		p := profile(name, mode, a)
		if err := Validate(p.Name, &p.Spec); err != nil {
			return
		}
		text := Render(p.Name, &p.Spec)
		if !strings.Contains(string(text), "profile "+name+" ") || !strings.HasSuffix(string(text), "}\n") {
			t.Fatalf("rendered text does not hold one profile %q:\n%s", name, text)
		}
		if err := testParser(t).Compile(context.Background(), text); err != nil {
			t.Fatalf("Validate accepted what apparmor_parser refuses: %v\n%s", err, text)
		}
	})
}
