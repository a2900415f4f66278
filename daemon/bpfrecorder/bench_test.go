package bpfrecorder

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"golang.org/x/sys/unix"

	"github.com/secprofiles/spo/bpf"
)

// BenchmarkSyscallOverhead measures a tight getpid loop (ns/op = ns per
// syscall) in one run: with no program on sys_enter; with an empty program on
// the same hook (the floor); with the recorder, the loop in the host
// namespace (skipped by one compare); with the recorder, the loop in an
// untracked namespace (one map lookup; the host is set to another number);
// and with the recorder recording the loop.
func BenchmarkSyscallOverhead(b *testing.B) {
	needKernel(b)
	self, err := MountNamespaceOf(os.Getpid())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("no-program", benchGetpid)
	b.Run("empty-program", func(b *testing.B) {
		defer attachEmpty(b)()
		benchGetpid(b)
	})
	b.Run("recorder-host-namespace", func(b *testing.B) {
		rec := load(b, Options{HostMountNamespace: self, NoExecutables: true})
		defer rec.Close()
		benchGetpid(b)
	})
	b.Run("recorder-untracked", func(b *testing.B) {
		rec := load(b, Options{HostMountNamespace: ^uint32(0), NoExecutables: true})
		defer rec.Close()
		benchGetpid(b)
	})
	b.Run("recorder-recording", func(b *testing.B) {
		rec := load(b, Options{HostMountNamespace: ^uint32(0), NoExecutables: true})
		defer rec.Close()
		if err := rec.Track(self); err != nil {
			b.Fatal(err)
		}
		benchGetpid(b)
	})
}

func benchGetpid(b *testing.B) {
	for b.Loop() {
		unix.Getpid()
	}
}

// attachEmpty attaches sys_enter_empty and returns its detach function.
func attachEmpty(b *testing.B) func() {
	spec, err := bpf.LoadRecorder()
	if err != nil {
		b.Fatal(err)
	}
	kernel, err := kernelBTF("")
	if err != nil {
		skipOrFail(b, err.Error())
	}
	for name := range spec.Programs {
		if name != "sys_enter_empty" {
			delete(spec.Programs, name)
		}
	}
	coll, err := newCollection(spec, kernel)
	if err != nil {
		b.Fatal(err)
	}
	l, err := attachTracing(coll.Programs["sys_enter_empty"])
	if err != nil {
		coll.Close()
		b.Fatal(err)
	}
	return func() { l.Close(); coll.Close() }
}

// BenchmarkMemoryPerNamespace reports the kernel memory the maps take per
// recorded namespace (the maps' memlock in fdinfo, kernel map_mem_usage):
// B-empty is fixed (the preallocated syscalls array: 1024 slots of 160 B,
// hash buckets), B/namespace the tracked-map entry each Track adds.
func BenchmarkMemoryPerNamespace(b *testing.B) {
	rec := load(b, Options{HostMountNamespace: ^uint32(0), NoExecutables: true})
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
