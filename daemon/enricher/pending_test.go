package enricher

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secprofiles/spo/daemon/spodmetrics"
)

// rec is one SECCOMP record of a container whose pod is not known yet.
type rec struct {
	pid, nr int
	exe     string
}

// each makes n records, the i-th from rec(i).
func each(n int, r func(i int) rec) []rec {
	out := make([]rec, n)
	for i := range out {
		out[i] = r(i)
	}
	return out
}

// TestHeldRecords: what a container's records look like, once its pod is
// known, after they were held (pending.go). The recording must have every
// syscall; the metrics count every record; the log has one line per
// distinct record, saying how many it stands for.
func TestHeldRecords(t *testing.T) {
	for name, tc := range map[string]struct {
		pendingDistinct int // 0: the default
		records         []rec
		wantHeld        int            // distinct entries held before the pod is known
		wantRecorded    int            // distinct syscalls (named or not) in the recording
		wantCounted     map[string]int // syscall label → increase of seccomp_profile_audit_total
		wantDropped     int            // increase of dropped_events_total{reason="too_many"}
		wantLines       []string       // each in some log line
	}{
		"keeps every distinct syscall of a container that makes 1000 records before its pod is known": {
			// Two processes (pids 10 and 11), 300 syscall numbers, some
			// without a name: more records than the old 256-record cap,
			// as runc init alone makes ~200 under a log-everything filter.
			records:      each(1000, func(i int) rec { return rec{10 + i%2, i % 300, "/bin/held-1000"} }),
			wantHeld:     300,
			wantRecorded: 300,
			// read (0) at records 0, 300, 600, 900; times (100) at 100, 400, 700.
			wantCounted: map[string]int{"read": 4, "write": 4, "times": 3},
			wantLines:   []string{`"syscall"="read"`, `"repeats"=4`},
		},
		"counts repeats": {
			records: []rec{{10, 1, "/bin/repeats"}, {11, 1, "/bin/repeats"}, {10, 1, "/bin/repeats"},
				{11, 1, "/bin/repeats"}, {10, 1, "/bin/repeats"}},
			wantHeld:     1,
			wantRecorded: 1,
			wantCounted:  map[string]int{"write": 5},
			// The line names the first record's pid.
			wantLines: []string{`"pid"=10 "syscallID"=1 "syscall"="write" "arch"="SCMP_ARCH_X86_64" "action"="SCMP_ACT_LOG" "repeats"=5`},
		},
		"keeps apart what the log line tells apart": {
			records:      []rec{{10, 1, "/bin/apart-a"}, {10, 1, "/bin/apart-b"}, {10, 1, "/bin/apart-a"}},
			wantHeld:     2,
			wantRecorded: 1,
			wantLines:    []string{`"executable"="/bin/apart-a"`, `"executable"="/bin/apart-b"`},
		},
		"drops beyond the bound and says so": {
			pendingDistinct: 2,
			records: []rec{{10, 0, "/bin/bound"}, {10, 1, "/bin/bound"}, {10, 2, "/bin/bound"},
				{10, 3, "/bin/bound"}, {10, 0, "/bin/bound"}, {10, 1, "/bin/bound"}},
			wantHeld:     2,
			wantRecorded: 2,
			// Repeats of held records are never dropped.
			wantCounted: map[string]int{"read": 2, "write": 2, "open": 0, "close": 0},
			wantDropped: 2,
			wantLines: []string{
				`"dropping audit records of a container whose pod is not known: more distinct records than pendingDistinct"`,
				`"pendingDistinct"=2`,
				`"attributed the held audit records of a container, but some were dropped before its pod was known" "node"="n1" "containerID"="` +
					idA + `" "reason"="too_many" "records"=4 "distinct"=2 "droppedEarlier"=2`,
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, func(c *Config) { c.PendingDistinct = tc.pendingDistinct })
			f.proc.run(10, idA, "")
			f.proc.run(11, idA, "")
			exe := tc.records[0].exe
			counter := func(label string) float64 {
				return value(t, seccompAudit.WithLabelValues("n1", "ns", "web-1", "app", exe, label))
			}
			before := map[string]float64{}
			for label := range tc.wantCounted {
				before[label] = counter(label)
			}
			droppedBefore := value(t, droppedEvents.WithLabelValues("too_many"))

			for _, r := range tc.records {
				f.c.Add(mustParse(t, seccompLine(r.pid, r.nr, r.exe)))
			}
			if got := len(f.c.pending[idA].held); got != tc.wantHeld {
				t.Errorf("held %d distinct records, want %d", got, tc.wantHeld)
			}
			f.index.set(idA, web)
			f.c.Resolve(idA)

			got, _ := f.c.Syscalls(web.SeccompKey)
			if n := len(got.Syscalls) + len(got.Unresolved); n != tc.wantRecorded {
				t.Errorf("recorded %d distinct syscalls, want %d: %v %v", n, tc.wantRecorded, got.Syscalls, got.Unresolved)
			}
			for label, want := range tc.wantCounted {
				if d := counter(label) - before[label]; d != float64(want) {
					t.Errorf("seccomp_profile_audit_total{syscall=%q} rose by %v, want %d", label, d, want)
				}
			}
			if d := value(t, droppedEvents.WithLabelValues("too_many")) - droppedBefore; d != float64(tc.wantDropped) {
				t.Errorf("too_many drops rose by %v, want %d", d, tc.wantDropped)
			}
			lines := f.log.get()
			for _, want := range tc.wantLines {
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, want) }) {
					t.Errorf("no log line has %s:\n%s", want, strings.Join(lines, "\n"))
				}
			}
			if audits := countAudit(lines); audits != tc.wantHeld {
				t.Errorf("%d audit lines, want one per held record (%d)", audits, tc.wantHeld)
			}
		})
	}
}

func countAudit(lines []string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, `"msg"="audit"`) {
			n++
		}
	}
	return n
}

// Expiring a container's held records counts every record they stand
// for, repeats included, and logs the total once.
func TestExpiredHeldRecordsCountTheirRepeats(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PendingDistinct = 1 })
	f.proc.run(10, idA, "")
	before := [2]float64{value(t, droppedEvents.WithLabelValues("too_old")), value(t, droppedEvents.WithLabelValues("too_many"))}
	for _, nr := range []int{1, 1, 1, 2} {
		f.c.Add(mustParse(t, seccompLine(10, nr, "/bin/app")))
	}
	f.clock.advance(f.c.cfg.PendingAge)
	f.c.Expire()
	if d := value(t, droppedEvents.WithLabelValues("too_old")) - before[0]; d != 3 {
		t.Errorf("too_old rose by %v, want 3 (one held record with 3 repeats)", d)
	}
	if d := value(t, droppedEvents.WithLabelValues("too_many")) - before[1]; d != 1 {
		t.Errorf("too_many rose by %v, want 1", d)
	}
	want := fmt.Sprintf(`"containerID"=%q "reason"="too_old" "records"=3 "distinct"=1 "droppedEarlier"=1`, idA)
	if l := f.log.get(); !slices.ContainsFunc(l, func(s string) bool { return strings.Contains(s, want) }) {
		t.Errorf("log lines %v; want one with %s", l, want)
	}
}

// Held SELinux and AppArmor records count their repeats in their metrics
// as the records one by one would.
func TestHeldLSMRecordsCountTheirRepeats(t *testing.T) {
	f := newFixture(t, nil)
	f.proc.run(10, idA, "/usr/sbin/held-lsm")
	f.proc.run(11, idA, "/usr/sbin/held-lsm")
	s, tc := "system_u:system_r:container_t:s0:c1,c2", "system_u:object_r:var_t:s0"
	exe := "/usr/sbin/held-lsm"
	avcs := spodmetrics.SelinuxProfileAudit.WithLabelValues("n1", "ns", "web-1", "app", exe, s, tc)
	opens := selinuxPermissions.WithLabelValues("n1", "ns", "web-1", "app", exe, "file", "open")
	denied := appArmorLine(10, "DENIED", "open", `name="/etc/shadow" requested_mask="r" denied_mask="r"`)
	profile := mustParse(t, denied).AppArmor.Profile
	denials := spodmetrics.AppArmorProfileAudit.WithLabelValues("n1", "ns", "web-1", "app", exe, profile, "open", "DENIED", "/etc/shadow")
	counters := []struct {
		name         string
		c            prometheus.Counter
		before, want float64
	}{{"selinux_profile_audit_total", avcs, value(t, avcs), 3},
		{"selinux_avc_permissions_total{permission=open}", opens, value(t, opens), 3},
		{"apparmor_profile_audit_total{result=DENIED}", denials, value(t, denials), 2}}
	for _, l := range []string{avcLine(10, "open read", "file"), avcLine(11, "open read", "file"), avcLine(10, "open", "file"),
		denied, appArmorLine(11, "DENIED", "open", `name="/etc/shadow" requested_mask="r" denied_mask="r"`)} {
		f.c.Add(mustParse(t, l))
	}
	if n := len(f.c.pending[idA].held); n != 3 {
		t.Errorf("held %d distinct records, want 3 (two AVCs, one AppArmor denial)", n)
	}
	f.index.set(idA, web)
	f.c.Resolve(idA)
	for _, c := range counters {
		if d := value(t, c.c) - c.before; d != c.want {
			t.Errorf("%s rose by %v, want %v", c.name, d, c.want)
		}
	}
	rules, _ := f.c.AVCs(web.SELinuxKey)
	if len(rules) != 1 || !slices.Equal(rules[0].Permissions, []string{"open", "read"}) {
		t.Errorf("recorded %v, want file {open read}", rules)
	}
}
