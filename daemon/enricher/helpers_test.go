package enricher

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"

	"github.com/secprofiles/spo/daemon/enricher/audit"
)

const (
	idA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	idB = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
)

// fakeProc is a /proc tree in a temp dir: the collector reads real files.
type fakeProc struct {
	t    testing.TB
	root string
}

func newFakeProc(t testing.TB) *fakeProc { return &fakeProc{t: t, root: t.TempDir()} }

// run puts pid in container id ("" = a host process) with executable exe.
func (p *fakeProc) run(pid int, id, exe string) {
	dir := filepath.Join(p.root, strconv.Itoa(pid))
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	cg := "0::/user.slice/session-1.scope\n"
	if id != "" {
		cg = "0::/kubepods.slice/cri-containerd-" + id + ".scope\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup"), []byte(cg), 0o644); err != nil {
		p.t.Fatal(err)
	}
	if exe != "" {
		if err := os.Symlink(exe, filepath.Join(dir, "exe")); err != nil {
			p.t.Fatal(err)
		}
	}
	p.stat(pid, 'S', 0x400100) // sleeping; PF_RANDOMIZE|PF_FORKNOEXEC
}

// zombie makes pid a zombie as the kernel shows one on cgroup v1: its
// cgroup reads as the root's, its state is Z and its flags have
// PF_EXITING (as read from a real zombie: 0x40804c).
func (p *fakeProc) zombie(pid int) {
	dir := filepath.Join(p.root, strconv.Itoa(pid))
	if err := os.WriteFile(filepath.Join(dir, "cgroup"), []byte("1:pids:/\n0::/\n"), 0o644); err != nil {
		p.t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "exe")) // the kernel no longer resolves it
	p.stat(pid, 'Z', 0x40804c)
}

// stat writes pid's /proc/<pid>/stat up to the flags field; the comm has
// a space and a parenthesis, as comms may.
func (p *fakeProc) stat(pid int, state byte, flags uint64) {
	line := strconv.Itoa(pid) + " (a) b) " + string(state) + " 1 1 1 0 -1 " + strconv.FormatUint(flags, 10) + " 0 0 0 0\n"
	if err := os.WriteFile(filepath.Join(p.root, strconv.Itoa(pid), "stat"), []byte(line), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *fakeProc) exit(pid int) { os.RemoveAll(filepath.Join(p.root, strconv.Itoa(pid))) }

// mapIndex is a PodIndex the test fills.
type mapIndex struct {
	mu sync.Mutex
	m  map[string]Workload
}

func (x *mapIndex) Lookup(id string) (Workload, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	w, ok := x.m[id]
	return w, ok
}

func (x *mapIndex) set(id string, w Workload) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.m == nil {
		x.m = map[string]Workload{}
	}
	x.m[id] = w
}

// clock is a settable Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// lines captures log lines.
type lines struct {
	mu  sync.Mutex
	out []string
}

func (l *lines) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.out = append(l.out, args)
	}, funcr.Options{})
}

func (l *lines) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.out...)
}

func mustParse(t testing.TB, line string) audit.Event {
	t.Helper()
	ev, err := audit.Parse(line)
	if err != nil {
		t.Fatalf("parsing %q: %v", line, err)
	}
	return ev
}

func seccompLine(pid, syscall int, exe string) string {
	return "type=SECCOMP msg=audit(1700000000.123:1): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=" +
		strconv.Itoa(pid) + ` comm="x" exe="` + exe + `" sig=0 arch=c000003e syscall=` + strconv.Itoa(syscall) +
		" compat=0 ip=0x7f0000000000 code=0x7ffc0000"
}

func avcLine(pid int, perms, tclass string) string {
	return "type=AVC msg=audit(1700000000.123:2): avc:  denied  { " + perms + " } for  pid=" + strconv.Itoa(pid) +
		` comm="nginx" name="x" scontext=system_u:system_r:container_t:s0:c1,c2 tcontext=system_u:object_r:var_t:s0 tclass=` +
		tclass + " permissive=1"
}

func appArmorLine(pid int, result, op, extra string) string {
	return `type=AVC msg=audit(1700000000.123:3): apparmor="` + result + `" operation="` + op +
		`" profile="spo-nginx" pid=` + strconv.Itoa(pid) + ` comm="nginx" ` + extra
}
