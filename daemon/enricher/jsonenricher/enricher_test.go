package jsonenricher

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/secprofiles/spo/daemon/enricher"
	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/logfilter"
)

const cid = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

type index map[string]enricher.Workload

func (x index) Lookup(id string) (enricher.Workload, bool) { w, ok := x[id]; return w, ok }

func execEvent(pid int, name string) audit.Event {
	return audit.Event{Kind: audit.KindSeccomp, RecordType: audit.TypeSeccomp,
		Stamp: audit.Stamp{Seconds: 1700000000, Millis: 123, Serial: 42},
		Seccomp: &audit.Seccomp{Process: audit.Process{PID: pid, UID: 1000, Exe: "/bin/sh"},
			Syscall: 59, SyscallName: name, Arch: "SCMP_ARCH_X86_64", Action: "log"}}
}

func run(t *testing.T, filters string, procs map[int]Process, events ...audit.Event) []map[string]any {
	t.Helper()
	set, err := logfilter.Parse(filters)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	e := New(Config{Node: "node-a", Out: &out, Filters: set,
		Index: index{cid: {Namespace: "team", Pod: "web", Container: "app"}},
		ReadProcess: func(_ string, pid int, _ string) Process {
			p, ok := procs[pid]
			if !ok {
				return Process{PID: pid, Gone: true}
			}
			return p
		}})
	for _, ev := range events {
		e.Add(ev)
	}
	e.Wait()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestOneLinePerExecWithItsWorkloadAndRequest(t *testing.T) {
	procs := map[int]Process{
		10: {PID: 10, PPID: 9, UID: 0, GID: 0, Exe: "/usr/bin/id", Args: []string{"id", "-u"}, RequestUID: reqUID, ContainerID: cid},
		11: {PID: 11, Exe: "/usr/bin/top", Args: []string{"top"}}, // a host process: no container
	}
	other := execEvent(10, "openat")
	lines := run(t, "", procs, execEvent(10, "execve"), other, execEvent(11, "execve"))
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1 (the container's exec only): %v", len(lines), lines)
	}
	want := map[string]any{
		"timestamp": "2023-11-14T22:13:20.123Z", "node": "node-a", "namespace": "team", "pod": "web", "container": "app",
		"containerID": cid, "pid": 10.0, "ppid": 9.0, "executable": "/usr/bin/id", "cmdLine": "id -u",
		"uid": 0.0, "gid": 0.0, "requestUID": reqUID, "syscall": "execve", "auditID": "1700000000.123:42",
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("%s = %v, want %v", k, lines[0][k], v)
		}
	}
	if len(lines[0]) != len(want) {
		t.Errorf("line has fields beyond %v: %v", want, lines[0])
	}
}

func TestAContainerThePodIndexDoesNotKnowStillGetsALine(t *testing.T) {
	other := strings.Repeat("f", 64)
	lines := run(t, "", map[int]Process{5: {PID: 5, Exe: "/bin/ls", Args: []string{"ls"}, ContainerID: other}}, execEvent(5, "execveat"))
	if len(lines) != 1 || lines[0]["containerID"] != other || lines[0]["pod"] != nil || lines[0]["syscall"] != "execveat" {
		t.Fatalf("lines %v", lines)
	}
}

func TestFiltersInBothFormats(t *testing.T) {
	procs := map[int]Process{10: {PID: 10, Exe: "/usr/bin/id", ContainerID: cid}}
	for name, tc := range map[string]struct {
		filters string
		lines   int
	}{
		"SPO's: None on the namespace drops":  {`[{"priority":1,"level":"None","matchKeys":["namespace"],"matchValues":["team"]}]`, 0},
		"SPO's: another namespace keeps":      {`[{"priority":1,"level":"None","matchKeys":["namespace"],"matchValues":["other"]}]`, 1},
		"spo's: drop by executable glob":      {`[{"action":"drop","executable":"/usr/bin/*"}]`, 0},
		"spo's: keep by syscall, first match": {`[{"action":"keep","syscall":"execve"},{"action":"drop"}]`, 1},
	} {
		t.Run(name, func(t *testing.T) {
			if got := run(t, tc.filters, procs, execEvent(10, "execve")); len(got) != tc.lines {
				t.Fatalf("%d lines, want %d", len(got), tc.lines)
			}
		})
	}
}

func TestLineOfAnExitedProcessNamesWhatTheRecordSays(t *testing.T) {
	l := newLine("n", execEvent(7, "execve").Seccomp, audit.Stamp{Seconds: 1}, Process{PID: 7, Gone: true, ContainerID: cid})
	if !l.ProcessGone || l.Executable != "/bin/sh" || l.UID != 1000 {
		t.Fatalf("line %+v", l)
	}
}

func TestParseStatus(t *testing.T) {
	ppid, uid, gid := parseStatus([]byte("Name:\tsh\nPPid:\t42\nUid:\t1000\t1001\t1002\t1003\nGid:\t2000\t0\t0\t0\n"))
	if ppid != 42 || uid != 1000 || gid != 2000 {
		t.Fatalf("ppid %d uid %d gid %d", ppid, uid, gid)
	}
}
