package logfilter

import (
	"testing"
)

func seccompRecord(ns, syscall string, pid int64) *Record {
	return &Record{Type: TypeSeccomp, Node: "n1", Namespace: ns, Pod: "web-1", Container: "web",
		Executable: "/usr/bin/web", PID: pid, SyscallID: 0, Syscall: syscall}
}

func TestRulesKeep(t *testing.T) {
	const list = `[
		{"priority": 300, "level": "None", "matchKeys": ["namespace"], "matchValues": ["kube-system", "monitoring"]},
		{"priority": 100, "level": "Metadata", "matchKeys": ["pod"], "matchValues": ["keep-me"]},
		{"priority": 200, "level": "None", "matchKeys": ["syscallName"], "matchValues": ["read", "write"]},
		{"priority": 250, "level": "None", "matchKeys": ["pid"], "matchValues": ["4242"]},
		{"priority": 260, "level": "None", "matchKeys": ["tclass"]}
	]`
	set, err := Parse(list)
	if err != nil {
		t.Fatal(err)
	}
	keepMe := seccompRecord("kube-system", "read", 1)
	keepMe.Pod = "keep-me"
	tests := []struct {
		name string
		r    *Record
		want bool
	}{
		{"drops a record whose namespace is among a None rule's values", seccompRecord("kube-system", "openat", 1), false},
		{"the lowest priority decides, whatever the list order", keepMe, true},
		{"drops a syscall a None rule names", seccompRecord("app", "write", 1), false},
		{"compares pid as a number", seccompRecord("app", "openat", 4242), false},
		{"keeps a record no rule matches", seccompRecord("app", "openat", 7), true},
		{"a key without matchValues matches every record that has the key", &Record{Type: TypeSelinux, Namespace: "app", TClass: "file"}, false},
		{"a key of another record type never matches", &Record{Type: TypeAppArmor, Namespace: "app", Operation: "open"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := set.Keep(tc.r); got != tc.want {
				t.Errorf("Keep(%+v) = %v, want %v", *tc.r, got, tc.want)
			}
		})
	}
}

func TestRulesEqualPrioritiesKeepListOrder(t *testing.T) {
	set, err := Parse(`[{"priority":1,"level":"Metadata","matchKeys":["namespace"]},{"priority":1,"level":"None","matchKeys":["namespace"]}]`)
	if err != nil {
		t.Fatal(err)
	}
	if !set.Keep(seccompRecord("app", "read", 1)) {
		t.Error("the first of two equal priorities did not decide")
	}
}

func TestParseSPORejects(t *testing.T) {
	tests := []refusal{
		{"a missing level names the entry", `[{"priority":1,"matchKeys":["pod"]}]`, []string{"log filter 0", `"level": missing`}},
		{"an unknown level names the entry and value", `[{"priority":1,"level":"Request","matchKeys":["pod"]}]`, []string{"log filter 0", `"Request"`}},
		{"an empty matchKeys names the entry", `[{"level":"None","matchKeys":[]},{"level":"None"}]`, []string{"log filter 0", `"matchKeys": at least one`}},
		{"a key no line has names the key", `[{"level":"None","matchKeys":["pod"]},{"level":"None","matchKeys":["podName"]}]`, []string{"log filter 1", `matchKeys[0]`, `"podName"`, "namespace"}},
		{"an unknown field names the entry and field", `[{"level":"None","matchKeys":["pod"],"matchValue":["x"]}]`, []string{"log filter 0", `"matchValue"`}},
		{"a number key with a value that is not a number", `[{"level":"None","matchKeys":["pid"],"matchValues":["one"]}]`, []string{"log filter 0", "matchValues[0]", `"one"`}},
		{"a priority that is not a number", `[{"priority":"high","level":"None","matchKeys":["pod"]}]`, []string{"log filter 0", "priority"}},
	}
	expectRefused(t, tests)
}

// FuzzParse: any string is refused or gives filters that decide without
// panicking, in either format.
func FuzzParse(f *testing.F) {
	f.Add(`[{"priority":100,"level":"None","matchKeys":["namespace","pid"],"matchValues":["kube-system","12"]}]`)
	f.Add(`[{"action":"drop","namespace":"kube-system"}]`)
	f.Add(`[{"level":"Metadata","matchKeys":["syscallID"]}]`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		set, err := Parse(s)
		if err != nil {
			return
		}
		for _, typ := range []string{TypeSeccomp, TypeSelinux, TypeAppArmor, s} {
			set.Keep(&Record{Type: typ, Namespace: s, Pod: s, Syscall: s, PID: int64(len(s)), TClass: s, Operation: s})
		}
	})
}
