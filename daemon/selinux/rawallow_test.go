package selinux

import (
	"testing"

	"github.com/secprofiles/spo/test/selinuxd"
)

// TestRawAllowlistAccepts: what SPO-style raw profiles (udica's output)
// hold is accepted, and compiles.
func TestRawAllowlistAccepts(t *testing.T) {
	secilc := selinuxd.RequireSecilc(t)
	tests := []struct {
		name, policy string
		opts         Options
	}{
		{"accepts rules for process on system types, qualified or not",
			"(blockinherit container)\n(allow process .var_log_t (file (read open)))\n(allow process var_log_t (dir (search)))", Options{}},
		{"accepts rules for socket and for types the profile declares",
			"(blockinherit container)\n(type logfile)\n(allow process logfile (file (create write)))\n(allow socket logfile (file (read)))\n(allow logfile self (filesystem (associate)))", Options{}},
		{"accepts auditallow, dontaudit and neverallow on own types",
			"(blockinherit container)\n(auditallow process var_log_t (file (read)))\n(dontaudit process proc_t (file (read)))\n(neverallow process kernel_t (file (write)))", Options{}},
		{"accepts own attributes filled with own types",
			"(blockinherit container)\n(type logfile)\n(typeattribute mine)\n(typeattributeset mine (process logfile))\n(allow mine var_log_t (file (read)))", Options{}},
		{"accepts typepermissive and roletype on own types",
			"(blockinherit container)\n(type helper)\n(roletype system_r helper)\n(typepermissive process)", Options{}},
		{"accepts a template the SPOD allows",
			"(blockinherit container)\n(blockinherit net_container)", Options{AllowedSystemProfiles: []string{"net_container"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cil, err := TranslateRaw(raw("p", tt.policy), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := selinuxd.Compile(secilc, cil); err != nil {
				t.Fatalf("accepted module does not compile: %v\n%s", err, cil)
			}
		})
	}
}

// TestRawAllowlistRefuses: every statement that could give another domain
// permissions is refused with the statement and its line named. Those
// marked compiles are accepted by secilc: without the check they would be
// installed and weaken the node.
func TestRawAllowlistRefuses(t *testing.T) {
	tests := []struct {
		name, policy, reason string
		words                []string
		compiles             bool
	}{
		{name: "refuses an allow rule for a global domain named with a dot",
			policy: "(blockinherit container)\n(allow .kernel_t .var_log_t (file (read)))",
			reason: ReasonInvalidPolicy, words: []string{"line 2", `allow rule for ".kernel_t"`}, compiles: true},
		{name: "refuses an allow rule for a global domain named without a dot (CIL looks it up globally)",
			policy: "(blockinherit container)\n(allow kernel_t var_log_t (file (read)))",
			reason: ReasonInvalidPolicy, words: []string{"line 2", `"kernel_t"`, "not a type of this profile"}, compiles: true},
		{name: "refuses an allow rule for another profile's type",
			policy: "(blockinherit container)\n(allow other.process var_log_t (file (read)))",
			reason: ReasonInvalidPolicy, words: []string{`"other.process"`}},
		{name: "refuses a dontaudit that hides another domain's denials",
			policy: "(blockinherit container)\n(dontaudit kernel_t var_log_t (file (read)))",
			reason: ReasonInvalidPolicy, words: []string{"dontaudit rule", `"kernel_t"`}, compiles: true},
		{name: "refuses an ioctl rule for another domain",
			policy: "(blockinherit container)\n(allowx kernel_t var_log_t (ioctl file (0x1)))",
			reason: ReasonInvalidPolicy, words: []string{"allowx rule"}},
		{name: "refuses adding own types to a global attribute",
			policy: "(blockinherit container)\n(typeattributeset .domain (process))",
			reason: ReasonInvalidPolicy, words: []string{"typeattributeset", "attribute the profile declares"}, compiles: true},
		{name: "refuses an own attribute holding every type through an expression",
			policy: "(blockinherit container)\n(typeattribute mine)\n(typeattributeset mine (not (process)))\n(allow mine var_log_t (file (read)))",
			reason: ReasonInvalidPolicy, words: []string{"line 3", "without expressions"}},
		{name: "refuses an own attribute holding a global domain",
			policy: "(blockinherit container)\n(typeattribute mine)\n(typeattributeset mine (kernel_t))\n(allow mine var_log_t (file (read)))",
			reason: ReasonInvalidPolicy, words: []string{"line 3", "own types"}, compiles: true},
		{name: "refuses a type transition",
			policy: "(blockinherit container)\n(typetransition kernel_t var_log_t file process)",
			reason: ReasonInvalidPolicy, words: []string{"line 2", `"typetransition" is not allowed`}, compiles: true},
		{name: "refuses an alias, which could name a global domain",
			policy: "(blockinherit container)\n(typealias k)\n(typealiasactual k kernel_t)\n(allow k var_log_t (file (read)))",
			reason: ReasonInvalidPolicy, words: []string{"line 2", `"typealias"`}},
		{name: "refuses calling a macro",
			policy: "(blockinherit container)\n(call some_macro (kernel_t))",
			reason: ReasonInvalidPolicy, words: []string{`"call"`}},
		{name: "refuses declaring a macro",
			policy: "(macro m ((type t)) (allow t var_log_t (file (read))))",
			reason: ReasonInvalidPolicy, words: []string{`"macro"`}},
		{name: "refuses a nested block",
			policy: "(block inner (allow kernel_t var_log_t (file (read))))",
			reason: ReasonInvalidPolicy, words: []string{`"block"`}},
		{name: "refuses blockabstract",
			policy: "(blockabstract p)", reason: ReasonInvalidPolicy, words: []string{`"blockabstract"`}},
		{name: "refuses optional, which would hide rules from the check",
			policy: "(optional o (allow kernel_t var_log_t (file (read))))",
			reason: ReasonInvalidPolicy, words: []string{`"optional"`}},
		{name: "refuses an allow with a named class-permission set",
			policy: "(blockinherit container)\n(allow process kernel_t everything)",
			reason: ReasonInvalidPolicy, words: []string{"spell out"}},
		{name: "refuses an allow whose permissions are an expression",
			policy: "(blockinherit container)\n(allow process kernel_t (security (not (read_policy))))",
			reason: ReasonInvalidPolicy, words: []string{"by name"}, compiles: true},
		{name: "refuses a template the SPOD does not allow",
			policy: "(blockinherit net_container)",
			reason: ReasonSystemProfileNotAllowed, words: []string{"line 1", "net_container", "allowedSystemProfiles"}},
		{name: "refuses a bare word", policy: "(blockinherit container)\nprocess",
			reason: ReasonInvalidPolicy, words: []string{"line 2", "not a statement"}},
		{name: "refuses an empty list", policy: "()", reason: ReasonInvalidPolicy, words: []string{"empty list"}},
		{name: "refuses declaring a qualified name", policy: "(type .evil_t)",
			reason: ReasonInvalidPolicy, words: []string{"without '.'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := TranslateRaw(raw("p", tt.policy), Options{})
			wantError(t, err, tt.reason, "spec.policy", tt.words...)
			if !tt.compiles {
				return
			}
			// The refusal is not secilc's job done twice: the module
			// would compile, so only the check keeps it off the node.
			secilc := selinuxd.RequireSecilc(t)
			module := "(block p\n" + tt.policy + "\n)\n"
			if err := selinuxd.Compile(secilc, []byte(module)); err != nil {
				t.Fatalf("want the unchecked module to compile, it does not: %v", err)
			}
		})
	}
}

func TestRawInherits(t *testing.T) {
	got := RawInherits("(blockinherit container)\n(allow process x (file (read)))\n(blockinherit net_container)")
	if len(got) != 2 || got[0] != "container" || got[1] != "net_container" {
		t.Fatalf("RawInherits = %v", got)
	}
}
