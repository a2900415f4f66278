package selinux

import (
	"testing"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/selinuxd"
)

func TestTranslate(t *testing.T) {
	base := profile("base-web", allowMap{"var_log_t": {"file": {"read", "open"}}})
	tests := []struct {
		name string
		p    *v1.SelinuxProfile
		opts Options
		want string
		// deps are modules the node must have installed first.
		deps []*v1.SelinuxProfile
	}{{
		name: "default inherit, sorted and deduplicated",
		p: profile("errorlogger", allowMap{"var_log_t": {
			"file": {"write", "open", "getattr", "open"},
			"dir":  {"search", "add_name", "getattr"},
		}}),
		want: `(block errorlogger
(blockinherit container)
(allow process var_log_t ( dir ( add_name getattr search )))
(allow process var_log_t ( file ( getattr open write )))
)
`,
	}, {
		name: "@self and permissive",
		p: func() *v1.SelinuxProfile {
			p := profile("nginx-secure", allowMap{
				"@self":       {"tcp_socket": {"listen", "accept"}},
				"http_port_t": {"tcp_socket": {"name_bind"}},
			}, system("container"))
			p.Spec.Mode = v1.SelinuxPermissive
			return p
		}(),
		want: `(block nginx-secure
(blockinherit container)
(typepermissive process)
(allow process nginx-secure.process ( tcp_socket ( accept listen )))
(allow process http_port_t ( tcp_socket ( name_bind )))
)
`,
	}, {
		name: "allowed system profile and a SelinuxProfile parent",
		p: profile("web", allowMap{"node_t": {"tcp_socket": {"name_bind"}}},
			system("container"), system("net_container"), parent("base-web")),
		opts: Options{AllowedSystemProfiles: []string{"net_container"}},
		deps: []*v1.SelinuxProfile{base},
		// container comes once, through base-web: inheriting it twice
		// would declare web.process twice.
		want: `(block web
(blockinherit net_container)
(blockinherit base-web)
(allow process node_t ( tcp_socket ( name_bind )))
)
`,
	}, {
		name: "a repeated inherit counts once",
		p:    profile("twice", nil, system("container"), parent("base-web"), system("container"), parent("base-web")),
		deps: []*v1.SelinuxProfile{base},
		want: "(block twice\n(blockinherit base-web)\n)\n",
	}, {
		name: "no allow rules",
		p:    profile("empty", nil),
		want: "(block empty\n(blockinherit container)\n)\n",
	}}
	secilc := selinuxd.RequireSecilc(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Translate(tt.p, tt.opts, getter(append(tt.deps, base)...))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
			var mods [][]byte
			for _, d := range tt.deps {
				mods = append(mods, Render(d.Name, &d.Spec))
			}
			if err := selinuxd.Compile(secilc, append(mods, got)...); err != nil {
				t.Fatalf("valid module does not compile: %v\n%s", err, got)
			}
		})
	}
}

func TestTranslateRefuses(t *testing.T) {
	tests := []struct {
		name          string
		p             *v1.SelinuxProfile
		opts          Options
		get           Getter
		reason, field string
	}{
		{"dotted name", profile("a.b", nil), Options{}, nil, ReasonInvalidName, "metadata.name"},
		{"name starting with a digit", profile("1web", nil), Options{}, nil, ReasonInvalidName, "metadata.name"},
		{"bad type", profile("p", allowMap{"Var-Log": {"file": {"read"}}}), Options{}, nil,
			ReasonInvalidAllow, "spec.allow.Var-Log"},
		{"bad class", profile("p", allowMap{"var_log_t": {"fi le": {"read"}}}), Options{}, nil,
			ReasonInvalidAllow, "spec.allow.var_log_t.fi le"},
		{"bad permission", profile("p", allowMap{"var_log_t": {"file": {"read", "(all)"}}}), Options{}, nil,
			ReasonInvalidAllow, "spec.allow.var_log_t.file[1]"},
		{"no permissions", profile("p", allowMap{"var_log_t": {"file": {}}}), Options{}, nil,
			ReasonInvalidAllow, "spec.allow.var_log_t.file"},
		{"load_policy", profile("p", allowMap{"@self": {"security": {"compute_av", "load_policy"}}}), Options{}, nil,
			ReasonPermissionNotAllowed, "spec.allow.@self.security[1]"},
		{"setenforce", profile("p", allowMap{"kernel_t": {"security": {"setenforce"}}}), Options{}, nil,
			ReasonPermissionNotAllowed, "spec.allow.kernel_t.security[0]"},
		{"all on security", profile("p", allowMap{"kernel_t": {"security": {"all"}}}), Options{}, nil,
			ReasonPermissionNotAllowed, "spec.allow.kernel_t.security[0]"},
		{"sys_module", profile("p", allowMap{"@self": {"capability": {"chown", "sys_module"}}}), Options{}, nil,
			ReasonPermissionNotAllowed, "spec.allow.@self.capability[1]"},
		{"mac_admin", profile("p", allowMap{"@self": {"capability2": {"mac_admin"}}}), Options{}, nil,
			ReasonPermissionNotAllowed, "spec.allow.@self.capability2[0]"},
		{"kernel_service", profile("p", allowMap{"kernel_t": {"kernel_service": {"use_as_override"}}}), Options{}, nil,
			ReasonPermissionNotAllowed, "spec.allow.kernel_t.kernel_service[0]"},
		{"dyntransition", profile("p", allowMap{"kernel_t": {"process": {"dyntransition"}}}), Options{}, nil,
			ReasonPermissionNotAllowed, "spec.allow.kernel_t.process[0]"},
		{"system profile not allowed", profile("p", nil, system("container"), system("net_container")), Options{}, nil,
			ReasonSystemProfileNotAllowed, "spec.inherit[1].name"},
		{"bad inherit kind", profile("p", nil, v1.PolicyRef{Kind: "Other", Name: "x"}), Options{}, nil,
			ReasonInvalidInherit, "spec.inherit[0].kind"},
		{"missing parent", profile("p", nil, parent("nope")), Options{}, getter(),
			ReasonInheritNotFound, "spec.inherit[0].name"},
		{"parent brings a forbidden permission", profile("p", nil, parent("evil")), Options{},
			getter(profile("evil", allowMap{"@self": {"capability": {"sys_module"}}})),
			ReasonPermissionNotAllowed, "spec.inherit"},
		{"two parents both built on container", profile("p", nil, parent("b"), parent("c")), Options{},
			getter(profile("b", nil), profile("c", nil)),
			ReasonInheritConflict, "spec.inherit[1].name"},
		{"parent inherits a forbidden system profile", profile("p", nil, parent("net")), Options{},
			getter(profile("net", nil, system("net_container"))),
			ReasonSystemProfileNotAllowed, "spec.inherit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			get := tt.get
			if get == nil {
				get = getter()
			}
			_, err := Translate(tt.p, tt.opts, get)
			wantError(t, err, tt.reason, tt.field)
		})
	}
}

func TestUsage(t *testing.T) {
	if got := Usage("nginx-secure"); got != "nginx-secure.process" {
		t.Fatalf("Usage = %q", got)
	}
}
