package enricher

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFiltersKeep(t *testing.T) {
	const list = `[{"action":"drop","namespace":"kube-system"},
		{"action":"keep","executable":"/usr/bin/*","syscall":"read"},
		{"action":"drop","syscall":"read"},
		{"action":"drop","kind":"apparmor","operation":"file_*"}]`
	fs, err := ParseFilters(list)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		s    Subject
		want bool
	}{
		{"a record of a dropped namespace is dropped whatever else it is",
			Subject{Kind: "seccomp", Namespace: "kube-system", Executable: "/usr/bin/x", Syscall: "read"}, false},
		{"an earlier keep wins over a later drop",
			Subject{Kind: "seccomp", Namespace: "app", Executable: "/usr/bin/cat", Syscall: "read"}, true},
		{"a keep needs all its fields to match",
			Subject{Kind: "seccomp", Namespace: "app", Executable: "/bin/cat", Syscall: "read"}, false},
		{"a glob star does not cross a slash",
			Subject{Kind: "seccomp", Namespace: "app", Executable: "/usr/bin/sub/cat", Syscall: "read"}, false},
		{"a record no entry matches is kept",
			Subject{Kind: "seccomp", Namespace: "app", Executable: "/bin/cat", Syscall: "write"}, true},
		{"a field the record does not have never matches a set pattern",
			Subject{Kind: "selinux", Namespace: "app", TClass: "file"}, true},
		{"kind and operation globs select AppArmor records",
			Subject{Kind: "apparmor", Namespace: "app", Operation: "file_mmap"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := fs.Keep(tc.s); got != tc.want {
				t.Errorf("Keep(%+v) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

func TestNoFiltersKeepEverything(t *testing.T) {
	for _, s := range []string{"", "  ", "[]"} {
		fs, err := ParseFilters(s)
		if err != nil || !fs.Keep(Subject{Namespace: "x"}) {
			t.Errorf("ParseFilters(%q) = %v, %v; want no filters", s, fs, err)
		}
	}
}

func TestParseFiltersRejects(t *testing.T) {
	tests := []struct {
		name, list string
		want       []string // all in the error
	}{
		{"JSON that is not a list", `{"action":"drop"}`, []string{"not a JSON list"}},
		{"broken JSON", `[{"action":"drop"`, []string{"not a JSON list"}},
		{"an unknown action names the entry and field", `[{"action":"keep"},{"action":"ignore"}]`, []string{"log filter 1", `"action"`, `"ignore"`}},
		{"a missing action names the entry", `[{"namespace":"x"}]`, []string{"log filter 0", `"action": missing`}},
		{"an unknown field names the entry and field", `[{"action":"drop","namepsace":"x"}]`, []string{"log filter 0", `"namepsace"`}},
		{"a bad glob names the entry and field", `[{"action":"drop"},{"action":"drop","executable":"/bin/[x"}]`, []string{"log filter 1", `"executable"`, "syntax error in pattern"}},
		{"a field of the wrong type names the entry", `[{"action":"drop","pod":1}]`, []string{"log filter 0", "pod"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFilters(tc.list)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLineLimiter(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	tests := []struct {
		name           string
		rate           float64
		burst          int
		at             []time.Duration // offsets of the lines
		wantAllowed    int
		wantSuppressed int
	}{
		{"no rate means no limit", 0, 0, []time.Duration{0, 0, 0, 0}, 4, 0},
		{"a burst passes at once, the rest is suppressed", 10, 2, []time.Duration{0, 0, 0, 0}, 2, 2},
		{"lines spaced at the rate all pass", 10, 1, []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}, 3, 0},
		{"a zero burst still lets one line through", 1, 0, []time.Duration{0, 0}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLineLimiter(tc.rate, tc.burst)
			allowed := 0
			for _, d := range tc.at {
				if l.allow(t0.Add(d)) {
					allowed++
				}
			}
			if got := l.takeSuppressed(); allowed != tc.wantAllowed || got != tc.wantSuppressed {
				t.Errorf("allowed %d, suppressed %d; want %d, %d", allowed, got, tc.wantAllowed, tc.wantSuppressed)
			}
			if l.takeSuppressed() != 0 {
				t.Error("the suppressed count was not reset")
			}
		})
	}
}

// FuzzParseFilters: any string is either refused or gives filters that
// decide without panicking, and an accepted list survives a JSON round
// trip unchanged (what the SPOD holds is what runs).
func FuzzParseFilters(f *testing.F) {
	f.Add(`[{"action":"drop","namespace":"kube-system"},{"action":"keep","executable":"/usr/bin/*","syscall":"read"}]`)
	f.Add(`[{"action":"keep","pod":"[a-"}]`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := ParseFilters(s)
		if err != nil {
			return
		}
		fs.Keep(Subject{Kind: "seccomp", Namespace: s, Executable: s, Syscall: s})
		b, err := json.Marshal(fs)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseFilters(string(b))
		if err != nil || !slices.Equal(fs, again) {
			t.Fatalf("round trip of %s: %v, %v", b, again, err)
		}
	})
}
