package bpfrecorder

import (
	"testing"
)

// BenchmarkLoadRecordNew is what the node's recorder does on the first
// Start of a recording, while the pod is Pending: load and attach the
// programs with RecordNew (and close them, as the last Stop does). The
// container must not run before this is done.
func BenchmarkLoadRecordNew(b *testing.B) {
	needKernel(b)
	for _, mode := range modes {
		b.Run(string(mode), func(b *testing.B) {
			for b.Loop() {
				rec := load(b, mode, Options{RecordNew: true})
				if err := rec.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSyscallOverheadRecordNew is BenchmarkSyscallOverhead's
// recorder-recording case for the node's recorder: the loop runs in a
// namespace recorded since its first syscall (the born path), as every
// container on the node is while something records.
func BenchmarkSyscallOverheadRecordNew(b *testing.B) {
	needKernel(b)
	for _, mode := range modes {
		b.Run(string(mode), func(b *testing.B) {
			rec := load(b, mode, Options{HostMountNamespace: ^uint32(0), NoExecutables: true, RecordNew: true})
			defer rec.Close()
			benchGetpid(b)
			if full, lost, err := rec.BornLosses(); err != nil || full+lost != 0 {
				b.Fatalf("BornLosses = %d, %d, %v", full, lost, err)
			}
		})
	}
}
