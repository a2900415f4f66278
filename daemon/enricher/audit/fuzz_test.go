package audit

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse: Parse never panics, and every event it returns survives a
// Format/Parse round trip unchanged (so what the enricher logs is what it
// read).
func FuzzParse(f *testing.F) {
	for _, file := range []string{"seccomp-kmsg.log", "seccomp-auditd.log", "selinux.log", "apparmor.log"} {
		for _, line := range records(f, file) {
			f.Add(line)
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		ev, err := Parse(line)
		if err != nil {
			return
		}
		out := Format(ev)
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parsing %q (from %q): %v", out, line, err)
		}
		if d := cmp.Diff(ev, again); d != "" {
			t.Fatalf("round trip of %q via %q changed the event (-first +second):\n%s", line, out, d)
		}
	})
}

func TestFormatRoundTripsFixtures(t *testing.T) {
	for _, file := range []string{"seccomp-kmsg.log", "seccomp-auditd.log", "selinux.log", "apparmor.log"} {
		for i, line := range records(t, file) {
			ev, err := Parse(line)
			if err != nil {
				t.Fatalf("%s record %d: %v", file, i, err)
			}
			again, err := Parse(Format(ev))
			if err != nil {
				t.Fatalf("%s record %d: re-parsing %q: %v", file, i, Format(ev), err)
			}
			if d := cmp.Diff(ev, again); d != "" {
				t.Errorf("%s record %d changed:\n%s", file, i, d)
			}
		}
	}
}
