package bpfrecorder

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrNoTracefs: the no-BTF recorder attaches classic tracepoints, whose ids
// and formats only tracefs shows.
var ErrNoTracefs = errors.New("tracefs is not mounted (classic tracepoints need it: mount -t tracefs nodev /sys/kernel/tracing)")

// ErrTracepoint: a classic tracepoint is missing or its format is not the
// one the no-BTF program was compiled for.
var ErrTracepoint = errors.New("classic tracepoint unusable")

// canonicalTracefs is where systemd mounts tracefs (sys-kernel-tracing.mount).
const canonicalTracefs = "/sys/kernel/tracing"

// tracefsDir returns a tracefs mount point, mounting tracefs at its
// canonical place when none is mounted and we may (CAP_SYS_ADMIN): a host
// where nothing mounted it at boot. cilium/ebpf finds the mount the same
// way (/proc/self/mountinfo), and caches its answer, so this runs first.
func tracefsDir() (string, error) {
	if dir := tracefsMount("/proc/self/mountinfo"); dir != "" {
		return dir, nil
	}
	err := unix.Mount("nodev", canonicalTracefs, "tracefs", 0, "")
	if err != nil && !errors.Is(err, unix.EBUSY) {
		return "", fmt.Errorf("%w; mounting it at %s: %w", ErrNoTracefs, canonicalTracefs, err)
	}
	return canonicalTracefs, nil
}

// tracefsMount finds a tracefs mount (or debugfs's tracing directory) in a
// mountinfo file (Documentation/filesystems/proc.rst: field 5 is the mount
// point, the field after " - " the filesystem type).
func tracefsMount(mountinfo string) string {
	f, err := os.Open(mountinfo)
	if err != nil {
		return ""
	}
	defer f.Close()
	debugfs := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if len(fields) < 5 || sep < 0 || sep+1 >= len(fields) || fields[3] != "/" {
			continue
		}
		switch fields[sep+1] {
		case "tracefs":
			return fields[4]
		case "debugfs":
			if st, err := os.Stat(filepath.Join(fields[4], "tracing", "events")); err == nil && st.IsDir() && debugfs == "" {
				debugfs = filepath.Join(fields[4], "tracing")
			}
		}
	}
	return debugfs
}

// formatOffsets reads a tracepoint's format file and returns each field's
// offset by name ("field:pid_t pid;\toffset:24;\tsize:4;...").
func formatOffsets(tracefs, group, event string) (map[string]int, error) {
	path := filepath.Join(tracefs, "events", group, event, "format")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, featureError(ErrTracepoint, "reading the format of "+group+"/"+event, err)
	}
	out := map[string]int{}
	for line := range strings.Lines(string(data)) {
		decl, rest, ok := strings.Cut(strings.TrimSpace(line), ";")
		decl, isField := strings.CutPrefix(decl, "field:")
		if !ok || !isField {
			continue
		}
		off, ok := strings.CutPrefix(strings.TrimSpace(rest), "offset:")
		off, _, _ = strings.Cut(off, ";")
		n, err := strconv.Atoi(off)
		if !ok || err != nil {
			continue
		}
		name := decl[strings.LastIndexAny(decl, " \t*")+1:]
		name, _, _ = strings.Cut(name, "[") // args[6], comm[16]
		out[name] = n
	}
	return out, nil
}

// tracepointLayout is what the no-BTF program needs to know about the
// running kernel's formats (see bpf/nobtf.h).
type tracepointLayout struct {
	exitHasGroupDead bool
	forkCommArrays   bool
}

// formats lists the offsets bpf/nobtf.h compiles in, per tracepoint
// (sched_process_fork's child_pid is checked apart: two layouts work).
var formats = []struct {
	group, event string
	fields       map[string]int
}{
	{"sched", "sched_process_exit", map[string]int{"pid": 24}},
	{"sched", "sched_process_exec", map[string]int{"filename": 8}},
}

// checkFormats compares the running kernel's tracepoint formats with the
// program's, and picks the layout variants the program supports.
func checkFormats(tracefs string, execs bool) (tracepointLayout, error) {
	var l tracepointLayout
	for _, w := range formats {
		if w.event == "sched_process_exec" && !execs {
			continue
		}
		got, err := formatOffsets(tracefs, w.group, w.event)
		if err != nil {
			return l, err
		}
		for name, off := range w.fields {
			if g, ok := got[name]; !ok || g != off {
				return l, fmt.Errorf("%w: %s/%s field %s is at offset %d (present: %t), the program reads offset %d",
					ErrTracepoint, w.group, w.event, name, g, ok, off)
			}
		}
		if w.event == "sched_process_exit" {
			off, ok := got["group_dead"]
			l.exitHasGroupDead = ok && off == 32
		}
	}
	fork, err := formatOffsets(tracefs, "sched", "sched_process_fork")
	if err != nil {
		return l, err
	}
	switch fork["child_pid"] {
	case 20:
	case 44:
		l.forkCommArrays = true
	default:
		return l, fmt.Errorf("%w: sched/sched_process_fork field child_pid is at offset %d, the program reads 20 or 44",
			ErrTracepoint, fork["child_pid"])
	}
	return l, nil
}
