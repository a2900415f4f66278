package jsonenricher

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/source"
	"github.com/secprofiles/spo/test/auditd"
	"github.com/secprofiles/spo/test/kubelet"
)

// The kernel test runs the test binary again as a container's process: a
// seccomp filter cannot be unloaded, so it must not land in the test.
const helperEnv = "SPO_JSON_ENRICHER_HELPER"

// TestJSONEnricherHelperProcess is the container: it waits for the test
// to release it (one byte on stdin), loads a filter that logs execve (as
// a profile with SCMP_ACT_LOG on execve does), and execs what the exec
// metadata webhook makes of `kubectl exec POD -- cat`. cat then reads
// stdin until the test closes it, so the process is alive while read.
func TestJSONEnricherHelperProcess(t *testing.T) {
	uid := os.Getenv(helperEnv)
	if uid == "" {
		return
	}
	var b [1]byte
	if _, err := os.Stdin.Read(b[:]); err != nil {
		os.Exit(2)
	}
	f, err := libseccomp.NewFilter(libseccomp.ActAllow)
	if err == nil {
		var nr libseccomp.ScmpSyscall
		if nr, err = libseccomp.GetSyscallFromName("execve"); err == nil {
			err = f.AddRule(nr, libseccomp.ActLog)
		}
	}
	if err == nil {
		err = f.Load()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loading the filter:", err)
		os.Exit(2)
	}
	env := os.Environ()
	err = syscall.Exec("/usr/bin/env", []string{"env", "SPO_EXEC_REQUEST_UID=" + uid, "/usr/bin/cat"}, env)
	fmt.Fprintln(os.Stderr, "exec:", err)
	os.Exit(2)
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("kernel test needs root (CI=true: a skip would hide this)")
	}
	t.Skip("kernel test needs root: it runs auditd, loads a seccomp filter and creates a cgroup")
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T) []Line {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Line
	for _, raw := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if raw == "" {
			continue
		}
		var l Line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("not a JSON line: %q: %v", raw, err)
		}
		out = append(out, l)
	}
	return out
}

// TestExecInAContainerGivesOneJSONLineWithTheRequestUID is the enricher
// end to end on real parts: the kernel's SECCOMP record of execve, auditd
// writing it to its log, the auditd source reading it, /proc of a real
// process in a container-named cgroup (as test/kubelet creates them).
func TestExecInAContainerGivesOneJSONLineWithTheRequestUID(t *testing.T) {
	requireRoot(t)
	a := auditd.Start(t)
	src, err := source.New(source.KindAuditd, source.Options{AuditLog: a.LogPath(), FromStart: true, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	expectExecLine(t, src)
}

// The SPOD's logEnricherSource Bpf: the audit netlink group, no auditd.
func TestExecLineFromTheNetlinkSourceWithoutAuditd(t *testing.T) {
	requireRoot(t)
	auditd.Absent(t)
	src, err := source.New(source.KindNetlink, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	expectExecLine(t, src)
}

// containerCgroup creates a cgroup named as containerd names a
// container's (as test/kubelet does) and returns the container id and the
// cgroup's directory; it is removed when the test ends.
func containerCgroup(t testing.TB) (id, dir string) {
	t.Helper()
	root, err := kubelet.CgroupRoot()
	if err != nil {
		t.Fatal(err)
	}
	idBytes := make([]byte, 32)
	_, _ = rand.Read(idBytes)
	id = hex.EncodeToString(idBytes)
	dir = filepath.Join(root, "spo-test", "cri-containerd-"+id+".scope")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(dir) })
	return id, dir
}

// expectExecLine runs src into an enricher, execs in a container and
// checks the line of the exec.
func expectExecLine(t *testing.T, src source.Source) {
	t.Helper()
	id, cgroup := containerCgroup(t)
	const uid = "5f3c2a9e-0d4b-4e8f-a1c7-9b2d6e4f8a10"

	var out syncBuffer
	e := New(Config{Node: "node-a", Out: &out,
		Index: index{id: {Namespace: "team", Pod: "web", Container: "app"}}})
	feed(t, src, e)

	h := startContainer(t, cgroup, uid)
	pid := h.cmd.Process.Pid
	if _, err := h.stdin.Write([]byte{'\n'}); err != nil {
		t.Fatal(err)
	}

	cat := catLine(t, &out, pid)
	if err := h.end(); err != nil {
		t.Error(err)
	}
	all := out.lines(t)
	t.Logf("lines: %+v", all)
	if cat == nil {
		t.Fatalf("no line for the exec of cat (pid %d)", pid)
	}
	if cat.ContainerID != id || cat.Namespace != "team" || cat.Pod != "web" || cat.Container != "app" || cat.Node != "node-a" {
		t.Errorf("workload: %+v", cat)
	}
	if cat.RequestUID != uid {
		t.Errorf("requestUID %q, want %q", cat.RequestUID, uid)
	}
	if cat.CmdLine != "/usr/bin/cat" || cat.Syscall != "execve" || cat.UID != 0 || cat.GID != 0 {
		t.Errorf("line %+v", cat)
	}
	// One line per exec: env's and cat's, both of the container's pid;
	// the helper's own exec by the test happened before the filter.
	for _, l := range all {
		if l.PID != pid {
			t.Errorf("a line of another process: %+v", l)
		}
	}
	if len(all) > 2 {
		t.Errorf("%d lines for two execs", len(all))
	}
}

// feed runs src into e until the test ends.
func feed(t *testing.T, src source.Source, e *Enricher) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- src.Run(ctx, func(line string) {
			if ev, err := audit.Parse(line); err == nil {
				e.Add(ev)
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// catLine waits for the line of cat's exec by pid; nil if none comes.
func catLine(t *testing.T, out *syncBuffer, pid int) *Line {
	return waitLine(t, out, func(l Line) bool { return l.PID == pid && l.Executable == "/usr/bin/cat" })
}

// waitLine waits for a line match accepts; nil if none comes. The
// deadline only keeps a broken source from hanging the test, nothing is
// asserted about speed.
func waitLine(t *testing.T, out *syncBuffer, match func(Line) bool) *Line {
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, l := range out.lines(t) {
			if match(l) {
				return &l
			}
		}
	}
	return nil
}

// container is the helper process TestJSONEnricherHelperProcess runs in,
// started in a container's cgroup and waiting for one byte on stdin.
type container struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer
}

// startContainer starts the helper in cgroup with the request UID uid; it
// is killed when the test ends if it still runs.
func startContainer(t *testing.T, cgroup, uid string) *container {
	t.Helper()
	h := &container{cmd: exec.Command(os.Args[0], "-test.run=^TestJSONEnricherHelperProcess$", "-test.count=1")}
	h.cmd.Env = append(os.Environ(), helperEnv+"="+uid)
	h.cmd.Stderr = &h.stderr
	var err error
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if h.cmd.ProcessState == nil {
			_ = h.cmd.Process.Kill()
			_ = h.end()
		}
	})
	pid := strconv.Itoa(h.cmd.Process.Pid)
	if err := os.WriteFile(filepath.Join(cgroup, "cgroup.procs"), []byte(pid), 0o644); err != nil {
		t.Fatal(err)
	}
	return h
}

// end closes cat's stdin and waits for the process to exit.
func (h *container) end() error {
	h.stdin.Close()
	if err := h.cmd.Wait(); err != nil {
		return fmt.Errorf("container: %w\n%s", err, h.stderr.String())
	}
	return nil
}
