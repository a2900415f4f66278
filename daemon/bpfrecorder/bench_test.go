package bpfrecorder

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"

	"golang.org/x/sys/unix"

	"github.com/secprofiles/spo/bpf"
)

// BenchmarkSyscallOverhead measures a tight getpid loop (ns/op = ns per
// syscall): with no program on sys_enter, then for each recorder: with an
// empty program on the same hook (the floor: tp_btf for the BTF recorder, a
// raw tracepoint for the no-BTF one); with the recorder, the loop in the
// host namespace (BTF: skipped by one compare; no BTF: one pids lookup
// missing); with the recorder, the loop in an untracked namespace (the host
// is set to another number; BTF: a filter bit; no BTF: one pids lookup);
// with the recorder recording the loop; and with RecordNew (the node
// daemon's configuration), the loop in the host namespace.
func BenchmarkSyscallOverhead(b *testing.B) {
	needKernel(b)
	self, err := MountNamespaceOf(os.Getpid())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("no-program", benchGetpid)
	for _, mode := range modes {
		b.Run(string(mode), func(b *testing.B) { benchRecorder(b, mode, self) })
	}
}

func benchRecorder(b *testing.B, mode Kind, self uint32) {
	b.Run("empty-program", func(b *testing.B) {
		prog, detach := attachEmpty(b, mode)
		defer detach()
		benchProg(b, prog)
	})
	b.Run("recorder-host-namespace", func(b *testing.B) {
		rec := load(b, mode, Options{HostMountNamespace: self, NoExecutables: true})
		benchProg(b, rec.coll.Programs["sys_enter"])
	})
	b.Run("recorder-untracked", func(b *testing.B) {
		rec := load(b, mode, Options{HostMountNamespace: ^uint32(0), NoExecutables: true})
		benchProg(b, rec.coll.Programs["sys_enter"])
	})
	b.Run("recorder-recording", func(b *testing.B) {
		rec := load(b, mode, Options{HostMountNamespace: ^uint32(0), NoExecutables: true})
		if err := rec.Track(self); err != nil {
			b.Fatal(err)
		}
		benchProg(b, rec.coll.Programs["sys_enter"])
	})
	b.Run("recorder-record-new-host", func(b *testing.B) {
		rec := load(b, mode, Options{HostMountNamespace: self, NoExecutables: true, RecordNew: true})
		benchProg(b, rec.coll.Programs["sys_enter"])
	})
}

// benchProg runs the getpid loop and also reports the program's own time
// per call (the kernel's BPF run-time statistics over the loop, which
// count every CPU's calls): ns/op includes the hook's cost (a classic
// tracepoint builds its record before the program runs) and is disturbed
// more by other load on the machine.
func benchProg(b *testing.B, prog *ebpf.Program) {
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		b.Logf("no BPF run-time statistics: %v", err)
		benchGetpid(b)
		return
	}
	defer stats.Close()
	before, err1 := prog.Stats()
	benchGetpid(b)
	after, err2 := prog.Stats()
	if err1 == nil && err2 == nil && after.RunCount > before.RunCount {
		b.ReportMetric(float64(after.Runtime-before.Runtime)/float64(after.RunCount-before.RunCount), "prog-ns/call")
	}
}

func benchGetpid(b *testing.B) {
	for b.Loop() {
		unix.Getpid()
	}
}

// attachEmpty attaches mode's sys_enter_empty and returns it and its
// detach function.
func attachEmpty(b *testing.B, mode Kind) (*ebpf.Program, func()) {
	load := bpf.LoadRecorder
	attach := func(p *ebpf.Program) (io.Closer, error) { return attachTracing(p) }
	var kernel *btf.Spec
	missing := ErrNoTpBTF
	if mode == KindNoBTF {
		load, missing = bpf.LoadRecorderNoBTF, ErrTracepoint
		attach = func(p *ebpf.Program) (io.Closer, error) { return attachRawSysEnter(p) }
	} else {
		var err error
		if kernel, err = kernelBTF(""); err != nil {
			skipOrFail(b, err.Error())
		}
	}
	spec, err := load()
	if err != nil {
		b.Fatal(err)
	}
	for name := range spec.Programs {
		if name != "sys_enter_empty" {
			delete(spec.Programs, name)
		}
	}
	coll, err := newCollection(spec, kernel, missing)
	if err != nil {
		b.Fatal(err)
	}
	l, err := attach(coll.Programs["sys_enter_empty"])
	if err != nil {
		coll.Close()
		b.Fatal(err)
	}
	return coll.Programs["sys_enter_empty"], func() { l.Close(); coll.Close() }
}

// BenchmarkMemoryPerNamespace reports the kernel memory the maps take per
// recorded namespace (the maps' memlock in fdinfo, kernel map_mem_usage):
// B-empty is fixed (the preallocated syscalls array: 1024 slots of 160 B,
// hash buckets), B/namespace the tracked-map entry each Track adds.
func BenchmarkMemoryPerNamespace(b *testing.B) {
	rec := load(b, KindBTF, Options{HostMountNamespace: ^uint32(0), NoExecutables: true})
	const n = 512
	before := memlock(b, rec)
	for i := range uint32(n) {
		if err := rec.Track(1<<31 + i); err != nil {
			b.Fatal(err)
		}
	}
	after := memlock(b, rec)
	for b.Loop() {
	}
	b.ReportMetric(float64(after-before)/n, "B/namespace")
	b.ReportMetric(float64(before), "B-empty")
}

func memlock(b *testing.B, rec *Recorder) int {
	total := 0
	for _, m := range []*ebpf.Map{rec.tracked, rec.syscalls} {
		info, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", m.FD()))
		if err != nil {
			b.Fatal(err)
		}
		for line := range strings.Lines(string(info)) {
			if v, ok := strings.CutPrefix(line, "memlock:"); ok {
				n, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil {
					b.Fatal(err)
				}
				total += n
			}
		}
	}
	return total
}
