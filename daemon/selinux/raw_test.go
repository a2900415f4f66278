package selinux

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/selinuxd"
)

func raw(name, policy string) *v1.RawSelinuxProfile {
	return &v1.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1.RawSelinuxProfileSpec{Policy: policy}}
}

func TestTranslateRaw(t *testing.T) {
	policy := `
(blockinherit container)
; a comment with ( unbalanced parens
(type logs)
(typepermissive logs)
(allow process logs (file (read open "getattr")))
(allow process var_log_t ( dir ( open read getattr )))
`
	want := `(block errorlogger
    (blockinherit container)
    ; a comment with ( unbalanced parens
    (type logs)
    (typepermissive logs)
    (allow process logs (file (read open "getattr")))
    (allow process var_log_t ( dir ( open read getattr )))
)
`
	got, err := TranslateRaw(raw("errorlogger", policy), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	secilc := selinuxd.RequireSecilc(t)
	if err := selinuxd.Compile(secilc, got); err != nil {
		t.Fatalf("valid module does not compile: %v", err)
	}
}

func TestTranslateRawRefuses(t *testing.T) {
	tests := []struct {
		name, policy, reason string
		words                []string
	}{
		{"unclosed", "(blockinherit container", ReasonInvalidPolicy, []string{"line 1", "never closed"}},
		{"closes the block early", "(blockinherit container))\n(typepermissive kernel_t)\n(block x",
			ReasonInvalidPolicy, []string{"line 1", "closes nothing"}},
		{"unterminated string", `(filecon "/x file ())`, ReasonInvalidPolicy, []string{"unterminated"}},
		{"role", "(blockinherit container)\n(role evil_r)", ReasonInvalidPolicy, []string{"line 2", `"role"`}},
		{"user", "(user evil_u)", ReasonInvalidPolicy, []string{`"user"`}},
		{"nested in", "(optional o (in container (allow process kernel_t (file (read)))))", ReasonInvalidPolicy,
			[]string{`"in"`, "another block"}},
		{"sensitivity", "(sensitivity s1)", ReasonInvalidPolicy, []string{"MLS"}},
		{"handleunknown", "(handleunknown allow)", ReasonInvalidPolicy, []string{"policy-wide"}},
		{"filecon", `(filecon "/etc/shadow" file (system_u object_r container_file_t ((s0) (s0))))`,
			ReasonInvalidPolicy, []string{"relabels"}},
		{"permissive system type", "(typepermissive kernel_t)", ReasonInvalidPolicy, []string{"typepermissive"}},
		{"permissive qualified type", "(typepermissive other.process)", ReasonInvalidPolicy, []string{"typepermissive"}},
		{"setenforce", "(allow process kernel_t (security (setenforce)))", ReasonPermissionNotAllowed,
			[]string{"security setenforce"}},
		{"all on capability2", "(allow process self (capability2 (all)))", ReasonPermissionNotAllowed,
			[]string{"capability2 all"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := TranslateRaw(raw("p", tt.policy), Options{})
			wantError(t, err, tt.reason, "spec.policy", tt.words...)
		})
	}
	t.Run("name", func(t *testing.T) {
		_, err := TranslateRaw(raw("a.b", "(blockinherit container)"), Options{})
		wantError(t, err, ReasonInvalidName, "metadata.name")
	})
}

// FuzzValidateRaw: the parser and the allowlist never panic, and
// whatever the parser accepts has balanced, well-nested parentheses
// outside comments and strings.
func FuzzValidateRaw(f *testing.F) {
	for _, s := range []string{"(a (b c))", "(a \"(\" ; )\n)", ")(", "(((", "\"", ";",
		"(blockinherit container)\n(allow process .var_log_t (file (read)))",
		"(typeattribute a)(typeattributeset a (process x))(type x)(allow a b (c (d)))",
		"(allow kernel_t x (file (read)))", "(typeattributeset a)", "(allowx process t (ioctl file (1)))",
		"(allow process t (security (not (read))))", "()", "x", "(())"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = ValidateRaw(s, Options{AllowedSystemProfiles: []string{"net_container"}})
		if _, err := parseCIL(s); err != nil {
			return
		}
		depth := 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case ';':
				for i < len(s) && s[i] != '\n' {
					i++
				}
			case '"':
				i++
				for s[i] != '"' {
					i++
				}
			case '(':
				depth++
			case ')':
				depth--
				if depth < 0 {
					t.Fatalf("accepted %q: ')' closes nothing", s)
				}
			}
		}
		if depth != 0 {
			t.Fatalf("accepted %q with depth %d", s, depth)
		}
	})
}
