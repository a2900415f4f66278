package enricher

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/secprofiles/spo/daemon/enricher/logfilter"
)

type fixture struct {
	proc  *fakeProc
	index *mapIndex
	clock *clock
	log   *lines
	c     *Collector
}

func newFixture(t *testing.T, mod func(*Config)) *fixture {
	f := &fixture{proc: newFakeProc(t), index: &mapIndex{}, clock: &clock{now: time.Unix(1700000000, 0)}, log: &lines{}}
	cfg := Config{Node: "n1", ProcRoot: f.proc.root, Index: f.index, Log: f.log.logger(), Now: f.clock.Now}
	if mod != nil {
		mod(&cfg)
	}
	f.c = NewCollector(cfg)
	return f
}

var web = Workload{Namespace: "ns", Pod: "web-1", Container: "app",
	SeccompKey: "rec_app_aaaaa_1", SELinuxKey: "sel_app_aaaaa_1", AppArmorKey: "aa_app_aaaaa_1"}

func TestCollectorAggregatesSyscallsPerRecordingKey(t *testing.T) {
	f := newFixture(t, nil)
	f.index.set(idA, web)
	f.proc.run(10, idA, "")
	f.proc.run(11, idA, "")
	for _, l := range []string{seccompLine(10, 1, "/bin/app"), seccompLine(10, 0, "/bin/app"),
		seccompLine(11, 1, "/bin/helper"), seccompLine(10, 9999, "/bin/app"), seccompLine(10, 1, "/bin/app")} {
		f.c.Add(mustParse(t, l))
	}
	got, ok := f.c.Syscalls(web.SeccompKey)
	want := SyscallSet{Syscalls: []string{"read", "write"}, Architecture: "SCMP_ARCH_X86_64",
		Executables: []string{"/bin/app", "/bin/helper"}, Unresolved: []string{"SCMP_ARCH_X86_64:9999"}}
	if !ok {
		t.Fatal("nothing collected")
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
	f.c.ResetSyscalls(web.SeccompKey)
	if _, ok := f.c.Syscalls(web.SeccompKey); ok {
		t.Error("still found after reset")
	}
}

func TestCollectorIgnoresHostProcessesAndUnrecordedContainers(t *testing.T) {
	f := newFixture(t, nil)
	f.index.set(idA, Workload{Namespace: "ns", Pod: "plain", Container: "c"})
	f.proc.run(10, "", "")
	f.proc.run(11, idA, "")
	exited := value(t, droppedEvents.WithLabelValues("process_exited"))
	f.c.Add(mustParse(t, seccompLine(10, 1, "/usr/sbin/sshd")))
	f.c.Add(mustParse(t, seccompLine(11, 1, "/bin/app")))
	f.c.Add(mustParse(t, seccompLine(12, 1, "/bin/gone"))) // exited before we looked
	if d := value(t, droppedEvents.WithLabelValues("process_exited")) - exited; d != 1 {
		t.Errorf("process_exited drops grew by %v, want 1: only the exited process's record is unknowable", d)
	}
	if f.c.Pending() != 0 {
		t.Errorf("%d containers held, want none", f.c.Pending())
	}
	if n := len(f.log.get()); n != 1 {
		t.Errorf("%d log lines, want one for the container's record: %v", n, f.log.get())
	}
	if len(f.c.seccomp) != 0 {
		t.Errorf("collected %v for no recording", f.c.seccomp)
	}
}

func TestCollectorHoldsRecordsUntilThePodIsKnown(t *testing.T) {
	f := newFixture(t, nil)
	f.proc.run(10, idA, "")
	f.c.Add(mustParse(t, seccompLine(10, 1, "/bin/app")))
	f.proc.exit(10) // the process may be gone by the time the pod is known
	if _, ok := f.c.Syscalls(web.SeccompKey); ok || f.c.Pending() != 1 {
		t.Fatalf("pending = %d; want the record held, not collected", f.c.Pending())
	}
	f.c.Resolve(idA) // the watch saw a pod, but not this container's yet
	if f.c.Pending() != 1 {
		t.Fatal("resolved without a workload")
	}
	f.index.set(idA, web)
	f.c.Resolve(idA)
	got, ok := f.c.Syscalls(web.SeccompKey)
	if !ok || !slices.Equal(got.Syscalls, []string{"write"}) || f.c.Pending() != 0 {
		t.Fatalf("after Resolve: %v, %v, pending %d", got, ok, f.c.Pending())
	}
	if l := f.log.get(); len(l) != 1 || !strings.Contains(l[0], `"pod"="web-1"`) {
		t.Errorf("log lines %v; want one naming the pod", l)
	}
}

func TestCollectorDropsHeldRecordsThatWaitTooLong(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PendingAge = time.Minute })
	before := value(t, droppedEvents.WithLabelValues("too_old"))
	f.proc.run(10, idA, "")
	f.c.Add(mustParse(t, seccompLine(10, 1, "/bin/app")))
	f.c.Add(mustParse(t, seccompLine(10, 2, "/bin/app")))
	f.clock.advance(59 * time.Second)
	f.c.Expire()
	if f.c.Pending() != 1 {
		t.Fatal("dropped before PendingAge")
	}
	f.clock.advance(time.Second)
	f.c.Expire()
	if f.c.Pending() != 0 {
		t.Fatal("kept after PendingAge")
	}
	if d := value(t, droppedEvents.WithLabelValues("too_old")) - before; d != 2 {
		t.Errorf("dropped counter grew by %v, want 2", d)
	}
	if l := f.log.get(); len(l) != 1 || !strings.Contains(l[0], idA) || !strings.Contains(l[0], `"records"=2`) {
		t.Errorf("log lines %v; want one drop line naming the container", l)
	}
}

func TestCollectorBoundsHeldContainers(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PendingContainers = 1 })
	f.proc.run(10, idA, "")
	f.proc.run(20, idB, "")
	for range 5 {
		f.c.Add(mustParse(t, seccompLine(10, 1, "/bin/app")))
	}
	f.clock.advance(time.Second)
	f.c.Add(mustParse(t, seccompLine(20, 1, "/bin/other")))
	if _, ok := f.c.pending[idA]; ok || f.c.Pending() != 1 {
		t.Errorf("the longest-waiting container was not dropped for a new one")
	}
}

func TestPidCacheForgetsAReusedPidAfterItsTTL(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PidTTL = time.Second })
	f.index.set(idA, web)
	wB := Workload{Namespace: "ns", Pod: "other", Container: "c", SeccompKey: "other_c_bbbbb_1"}
	f.index.set(idB, wB)
	f.proc.run(10, idA, "")
	f.c.Add(mustParse(t, seccompLine(10, 1, "/bin/app")))
	f.proc.run(10, idB, "") // pid 10 exited and was reused
	f.clock.advance(2 * time.Second)
	f.c.Add(mustParse(t, seccompLine(10, 0, "/bin/other")))
	if got, _ := f.c.Syscalls(wB.SeccompKey); !slices.Equal(got.Syscalls, []string{"read"}) {
		t.Errorf("the reused pid's record went to %v, want the new container", got)
	}
}

// A workload that sits idle for longer than the TTL and then exits: its
// exit_group record arrives after the process is reaped. Seen on a real
// node (test/e2e): dropped, the recorded profile lacked exit_group and the
// workload died with SIGSEGV under it.
func TestCollectorAttributesTheExitOfAProcessIdleLongerThanTheTTL(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.PidTTL = time.Second })
	f.index.set(idA, web)
	f.proc.run(10, idA, "")
	f.c.Add(mustParse(t, seccompLine(10, 35, "/bin/busybox"))) // nanosleep
	f.clock.advance(5 * time.Second)
	f.proc.exit(10)
	f.c.Add(mustParse(t, seccompLine(10, 231, "/bin/busybox"))) // exit_group
	// The same pid, now naming another executable: not provably the same
	// process (the pid may have been reused), so not attributed.
	f.clock.advance(5 * time.Second)
	f.c.Add(mustParse(t, seccompLine(10, 0, "/bin/other")))
	got, _ := f.c.Syscalls(web.SeccompKey)
	if want := []string{"exit_group", "nanosleep"}; !slices.Equal(got.Syscalls, want) {
		t.Errorf("recorded %v, want %v", got.Syscalls, want)
	}
}

func TestCollectorAggregatesAVCsByContextAndClass(t *testing.T) {
	f := newFixture(t, nil)
	f.index.set(idA, web)
	f.proc.run(10, idA, "/usr/sbin/nginx")
	for _, l := range []string{avcLine(10, "read", "file"), avcLine(10, "open read", "file"), avcLine(10, "name_bind", "tcp_socket")} {
		f.c.Add(mustParse(t, l))
	}
	got, _ := f.c.AVCs(web.SELinuxKey)
	s, tc := "system_u:system_r:container_t:s0:c1,c2", "system_u:object_r:var_t:s0"
	want := []AVCRule{{s, tc, "file", []string{"open", "read"}}, {s, tc, "tcp_socket", []string{"name_bind"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
	if l := f.log.get(); len(l) != 3 || !strings.Contains(l[0], `"executable"="/usr/sbin/nginx"`) {
		t.Errorf("log lines %v; want the executable read from /proc", l)
	}
}

func TestCollectorAggregatesAppArmorAccessesButNotStatusRecords(t *testing.T) {
	f := newFixture(t, nil)
	f.index.set(idA, web)
	f.proc.run(10, idA, "")
	for _, l := range []string{
		appArmorLine(10, "ALLOWED", "open", `name="/etc/passwd" requested_mask="r" denied_mask="r"`),
		appArmorLine(10, "ALLOWED", "open", `name="/etc/passwd" requested_mask="r" denied_mask="r"`),
		appArmorLine(10, "ALLOWED", "capable", `capability=13 capname="net_raw"`),
		appArmorLine(10, "ALLOWED", "create", `family="inet" sock_type="stream" protocol=6 requested_mask="create"`),
		appArmorLine(10, "STATUS", "profile_load", `name="spo-nginx"`),
	} {
		f.c.Add(mustParse(t, l))
	}
	got, _ := f.c.AppArmor(web.AppArmorKey)
	want := []AppArmorAccess{
		{Operation: "capable", Capability: "net_raw"},
		{Operation: "create", RequestedMask: "create", Family: "inet", SockType: "stream", Protocol: 6},
		{Operation: "open", Name: "/etc/passwd", RequestedMask: "r"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
}

func TestFiltersAndRateLimitNeverChangeWhatIsRecorded(t *testing.T) {
	filters, err := logfilter.Parse(`[{"action":"drop","namespace":"ns","syscall":"read"}]`)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(c *Config) { c.Filters = filters; c.LogRate = 1; c.LogBurst = 1 })
	f.index.set(idA, web)
	f.proc.run(10, idA, "")
	readsBefore := value(t, seccompAudit.WithLabelValues("n1", "ns", "web-1", "app", "/bin/f", "read"))
	writesBefore := value(t, seccompAudit.WithLabelValues("n1", "ns", "web-1", "app", "/bin/f", "write"))
	for _, nr := range []int{0, 1, 1, 1} {
		f.c.Add(mustParse(t, seccompLine(10, nr, "/bin/f")))
	}
	got, _ := f.c.Syscalls(web.SeccompKey)
	if !slices.Equal(got.Syscalls, []string{"read", "write"}) {
		t.Errorf("recorded %v; a filtered syscall must still be recorded", got.Syscalls)
	}
	if d := value(t, seccompAudit.WithLabelValues("n1", "ns", "web-1", "app", "/bin/f", "read")) - readsBefore; d != 0 {
		t.Errorf("a dropped record was counted %v times", d)
	}
	if d := value(t, seccompAudit.WithLabelValues("n1", "ns", "web-1", "app", "/bin/f", "write")) - writesBefore; d != 3 {
		t.Errorf("rate-limited records counted %v times, want 3: the limit is on log lines only", d)
	}
	if l := f.log.get(); len(l) != 1 {
		t.Errorf("%d log lines, want 1 (burst 1, the clock does not move)", len(l))
	}
	if n := f.c.lines.takeSuppressed(); n != 2 {
		t.Errorf("suppressed %d lines, want 2", n)
	}
}

// value reads a counter.
func value(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestCollectorLosesNoRecordWhenThePodArrivesConcurrently races records
// against the pod watch: every record ends up in the recording, whether
// it came before or after the pod (run with -race).
func TestCollectorLosesNoRecordWhenThePodArrivesConcurrently(t *testing.T) {
	f := newFixture(t, nil)
	f.proc.run(10, idA, "")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for nr := range 300 {
			f.c.Add(mustParse(t, seccompLine(10, nr, "/bin/app")))
		}
	}()
	f.index.set(idA, web)
	f.c.Resolve(idA)
	for range 50 {
		f.c.Syscalls(web.SeccompKey)
	}
	<-done
	got, _ := f.c.Syscalls(web.SeccompKey)
	if n := len(got.Syscalls) + len(got.Unresolved); n != 300 || f.c.Pending() != 0 {
		t.Errorf("collected %d distinct syscalls, %d containers pending; want 300 and 0", n, f.c.Pending())
	}
}
