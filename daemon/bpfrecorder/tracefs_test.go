package bpfrecorder

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Format files as 6.18 prints them (trimmed to the fields that matter) and
// the older sched_process_fork/exit layouts (char[16] comms, no group_dead).
const (
	fmtExit618 = "name: sched_process_exit\nID: 369\nformat:\n" +
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" +
		"\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n" +
		"\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n" +
		"\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n" +
		"\tfield:bool group_dead;\toffset:32;\tsize:1;\tsigned:0;\n\nprint fmt: \"comm=%s\"\n"
	fmtExitOld = "format:\n\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n" +
		"\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n"
	fmtFork618 = "format:\n\tfield:__data_loc char[] parent_comm;\toffset:8;\tsize:4;\tsigned:0;\n" +
		"\tfield:pid_t parent_pid;\toffset:12;\tsize:4;\tsigned:1;\n" +
		"\tfield:__data_loc char[] child_comm;\toffset:16;\tsize:4;\tsigned:0;\n" +
		"\tfield:pid_t child_pid;\toffset:20;\tsize:4;\tsigned:1;\n"
	fmtForkOld = "format:\n\tfield:char parent_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n" +
		"\tfield:pid_t parent_pid;\toffset:24;\tsize:4;\tsigned:1;\n" +
		"\tfield:char child_comm[16];\toffset:28;\tsize:16;\tsigned:0;\n" +
		"\tfield:pid_t child_pid;\toffset:44;\tsize:4;\tsigned:1;\n"
	fmtExec = "format:\n\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n" +
		"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
)

func fakeTracefs(t *testing.T, formats map[string]string) string {
	dir := t.TempDir()
	for event, content := range formats {
		d := filepath.Join(dir, "events", event)
		must(t, os.MkdirAll(d, 0o755))
		must(t, os.WriteFile(filepath.Join(d, "format"), []byte(content), 0o644))
	}
	return dir
}

func TestCheckFormatsPicksTheKernelsLayout(t *testing.T) {
	tests := []struct {
		name       string
		exit, fork string
		want       tracepointLayout
	}{
		{"6.18", fmtExit618, fmtFork618, tracepointLayout{exitHasGroupDead: true}},
		{"older", fmtExitOld, fmtForkOld, tracepointLayout{forkCommArrays: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fakeTracefs(t, map[string]string{"sched/sched_process_exit": tt.exit,
				"sched/sched_process_fork": tt.fork, "sched/sched_process_exec": fmtExec})
			got, err := checkFormats(dir, true)
			if err != nil || got != tt.want {
				t.Fatalf("checkFormats = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestCheckFormatsNamesWhatDoesNotFit(t *testing.T) {
	moved := strings.Replace(fmtExec, "offset:8;", "offset:12;", 1)
	tests := []struct {
		name    string
		formats map[string]string
		inMsg   string
	}{
		{"a missing tracepoint", map[string]string{"sched/sched_process_exit": fmtExit618}, "sched/sched_process_exec"},
		{"a moved field", map[string]string{"sched/sched_process_exit": fmtExit618,
			"sched/sched_process_fork": fmtFork618, "sched/sched_process_exec": moved}, "sched/sched_process_exec field filename is at offset 12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checkFormats(fakeTracefs(t, tt.formats), true)
			if !errors.Is(err, ErrTracepoint) || !strings.Contains(err.Error(), tt.inMsg) {
				t.Fatalf("checkFormats = %v, want ErrTracepoint naming %q", err, tt.inMsg)
			}
		})
	}
}

func TestMountinfoFindsTracefsAndCgroup2(t *testing.T) {
	info := filepath.Join(t.TempDir(), "mountinfo")
	must(t, os.WriteFile(info, []byte(
		"22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"+
			"35 22 0:30 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 rw\n"+
			"40 22 0:12 / /host/sys/kernel/tracing rw,relatime - tracefs nodev rw\n"), 0o644))
	if got := tracefsMount(info); got != "/host/sys/kernel/tracing" {
		t.Errorf("tracefsMount = %q", got)
	}
	if got := cgroup2Mounts(info); len(got) != 1 || got[0] != "/sys/fs/cgroup/unified" {
		t.Errorf("cgroup2Mounts = %q", got)
	}
}

func TestSelectRecorder(t *testing.T) {
	if kind, why := SelectRecorder(BTFNone); kind != KindNoBTF || !strings.Contains(why, "forced") {
		t.Errorf("none: %s, %s", kind, why)
	}
	missing := filepath.Join(t.TempDir(), "vmlinux")
	if kind, _ := SelectRecorder(missing); kind != KindBTF {
		t.Errorf("an explicit path selected %s; want btf (Load then fails with ErrNoBTF)", kind)
	}
	_, err := os.Stat(DefaultBTFPath)
	want := KindBTF
	if errors.Is(err, os.ErrNotExist) {
		want = KindNoBTF
	}
	if kind, _ := SelectRecorder(""); kind != want {
		t.Errorf("default selected %s; want %s (%s: %v)", kind, want, DefaultBTFPath, err)
	}
}

func TestNoBTFExecEventsNameTheirRecording(t *testing.T) {
	r := &Recorder{}
	r.slotNS[3].Store(4026532100)
	tests := []struct {
		ev   execEvent
		want execKey
	}{
		{execEvent{Born: 1, NsID: 77}, bornKey(77)},
		{execEvent{MntNS: 3}, trackedKey(4026532100)},
		{execEvent{MntNS: maxTracked}, trackedKey(0)},
	}
	for _, tt := range tests {
		if got := r.noBTFExecKey(&tt.ev); got != tt.want {
			t.Errorf("noBTFExecKey(%+v) = %v, want %v", tt.ev, got, tt.want)
		}
	}
}
