package bpfrecorder

import (
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"
)

// BenchmarkAppArmorOverhead measures what Options.AppArmor costs the BTF
// recorder, in the kernel's BPF run-time statistics (prog-ns/call):
//   - sys_enter with AppArmor, recording (compare recorder-recording of
//     BenchmarkSyscallOverhead): the socket/mmap number check;
//   - sys_exit for a syscall that is not an open, anywhere: the number
//     check, paid by every syscall of the node while anything records;
//   - sys_exit for an open of a file already sent: the fd lookup, two
//     dentry reads and the LRU check, on a recording past its first exec.
func BenchmarkAppArmorOverhead(b *testing.B) {
	needKernel(b)
	self, err := MountNamespaceOf(os.Getpid())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sys_enter-recording", func(b *testing.B) {
		rec := armedRecorder(b, self)
		benchProg(b, rec.coll.Programs["sys_enter"])
	})
	b.Run("sys_exit-not-an-open", func(b *testing.B) {
		rec := load(b, KindBTF, Options{HostMountNamespace: self, NoExecutables: true, AppArmor: true})
		benchProg(b, rec.coll.Programs["sys_exit_apparmor"])
	})
	b.Run("sys_exit-open-again", func(b *testing.B) {
		rec := armedRecorder(b, self)
		benchOpen(b, rec.coll.Programs["sys_exit_apparmor"])
	})
}

// armedRecorder records this process's namespace for AppArmor as if its
// first exec had happened after Track (the benchmark cannot exec).
func armedRecorder(b *testing.B, self uint32) *Recorder {
	rec := load(b, KindBTF, Options{HostMountNamespace: ^uint32(0), NoExecutables: true, AppArmor: true})
	if err := rec.Track(self); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rec.Forget(self) })
	slot := rec.slots[self]
	bm, err := rec.bitmap(self)
	if err != nil {
		b.Fatal(err)
	}
	bm.ApparmorArmed = 1
	if err := rec.syscalls.Update(slot, &bm, ebpf.UpdateExist); err != nil {
		b.Fatal(err)
	}
	return rec
}

// benchOpen opens and closes a file in a loop, reporting prog's time per
// call as benchProg does.
func benchOpen(b *testing.B, prog *ebpf.Program) {
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		b.Skipf("no BPF run-time statistics: %v", err)
	}
	defer stats.Close()
	before, err1 := prog.Stats()
	for b.Loop() {
		fd, err := unix.Open("/etc/hostname", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		unix.Close(fd)
	}
	after, err2 := prog.Stats()
	if err1 == nil && err2 == nil && after.RunCount > before.RunCount {
		b.ReportMetric(float64(after.Runtime-before.Runtime)/float64(after.RunCount-before.RunCount), "prog-ns/call")
	}
}
