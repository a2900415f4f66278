package logfilter

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestFiltersKeep(t *testing.T) {
	const list = `[{"action":"drop","namespace":"kube-system"},
		{"action":"keep","executable":"/usr/bin/*","syscall":"read"},
		{"action":"drop","syscall":"read"},
		{"action":"drop","kind":"apparmor","operation":"file_*"}]`
	fs, err := Parse(list)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		r    Record
		want bool
	}{
		{"a record of a dropped namespace is dropped whatever else it is",
			Record{Type: "seccomp", Namespace: "kube-system", Executable: "/usr/bin/x", Syscall: "read"}, false},
		{"an earlier keep wins over a later drop",
			Record{Type: "seccomp", Namespace: "app", Executable: "/usr/bin/cat", Syscall: "read"}, true},
		{"a keep needs all its fields to match",
			Record{Type: "seccomp", Namespace: "app", Executable: "/bin/cat", Syscall: "read"}, false},
		{"a glob star does not cross a slash",
			Record{Type: "seccomp", Namespace: "app", Executable: "/usr/bin/sub/cat", Syscall: "read"}, false},
		{"a record no entry matches is kept",
			Record{Type: "seccomp", Namespace: "app", Executable: "/bin/cat", Syscall: "write"}, true},
		{"a field the record does not have never matches a set pattern",
			Record{Type: "selinux", Namespace: "app", TClass: "file"}, true},
		{"kind and operation globs select AppArmor records",
			Record{Type: "apparmor", Namespace: "app", Operation: "file_mmap"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fs.Keep(&tc.r); got != tc.want {
				t.Errorf("Keep(%+v) = %v, want %v", tc.r, got, tc.want)
			}
		})
	}
}

func TestNoFiltersKeepEverything(t *testing.T) {
	for _, s := range []string{"", "  ", "[]"} {
		fs, err := Parse(s)
		if err != nil || !fs.Keep(&Record{Namespace: "x"}) {
			t.Errorf("Parse(%q) = %v, %v; want no filters", s, fs, err)
		}
	}
}

func TestParseFiltersRejects(t *testing.T) {
	tests := []refusal{
		{"JSON that is not a list", `{"action":"drop"}`, []string{"not a JSON list"}},
		{"broken JSON", `[{"action":"drop"`, []string{"not a JSON list"}},
		{"an unknown action names the entry and field", `[{"action":"keep"},{"action":"ignore"}]`, []string{"log filter 1", `"action"`, `"ignore"`}},
		{"an empty action names the entry", `[{"action":"","namespace":"x"}]`, []string{"log filter 0", `"action": missing`}},
		{"a list mixing both formats names an entry of each", `[{"action":"keep"},{"namespace":"x"}]`, []string{"mix", "log filter 0", "log filter 1"}},
		{"an unknown field names the entry and field", `[{"action":"drop","namepsace":"x"}]`, []string{"log filter 0", `"namepsace"`}},
		{"a bad glob names the entry and field", `[{"action":"drop"},{"action":"drop","executable":"/bin/[x"}]`, []string{"log filter 1", `"executable"`, "syntax error in pattern"}},
		{"a field of the wrong type names the entry", `[{"action":"drop","pod":1}]`, []string{"log filter 0", "pod"}},
	}
	expectRefused(t, tests)
}

// FuzzParseNative: any string is either refused or gives filters that
// decide without panicking, and an accepted list survives a JSON round
// trip unchanged (what the SPOD holds is what runs).
func FuzzParseNative(f *testing.F) {
	f.Add(`[{"action":"drop","namespace":"kube-system"},{"action":"keep","executable":"/usr/bin/*","syscall":"read"}]`)
	f.Add(`[{"action":"keep","pod":"[a-"}]`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := Parse(s)
		if err != nil {
			return
		}
		fs.Keep(&Record{Type: "seccomp", Namespace: s, Executable: s, Syscall: s})
		if fs.spo != nil {
			return
		}
		b, err := json.Marshal(fs.native)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(string(b))
		if err != nil || !slices.Equal(fs.native, again.native) {
			t.Fatalf("round trip of %s: %v, %v", b, again, err)
		}
	})
}
