// Package bpfrecorder records which syscalls the processes of a mount
// namespace make, and which executables they run, with one of two BPF
// programs in bpf/ (see SelectRecorder and Recorder.Kind):
//   - KindBTF, recorder.bpf.c: tp_btf/sys_enter reading
//     current->nsproxy->mnt_ns->ns.inum directly through the kernel's BTF,
//     tp_btf/sched_process_exec for executables. The default wherever
//     /sys/kernel/btf/vmlinux exists.
//   - KindNoBTF, recorder_nobtf.bpf.c: for kernels without BTF (no CO-RE,
//     so no task_struct to read): sys_enter as a raw tracepoint, the classic
//     tracepoints sched/sched_process_{fork,exit,exec} and, with
//     Options.AppArmor, capability/cap_capable (they need tracefs,
//     which Load mounts at /sys/kernel/tracing when nothing did and it may),
//     and a tgid -> record map. Options.ProcPath must show the host's pids
//     (the pod has hostPID), as the kernel reports those. Chosen when /sys/kernel/btf/vmlinux is missing, or
//     forced with Options.BTFPath = BTFNone (--btf=none). Track finds the
//     namespace's processes in /proc and the program follows their
//     children; with RecordNew, namespaces are seen at birth (unshare or
//     setns, and clone/clone3 with CLONE_NEWNS) and, at load, in /proc.
//
// Both give the contract below; where the no-BTF recorder differs:
//   - it records processes that were in the namespace when Track scanned
//     /proc (repeated until a scan finds nothing new) and their
//     descendants: a process that later joins the namespace with setns is
//     not recorded (without RecordNew), and one that leaves it (unshare)
//     stays in the recording unless RecordNew gives it a record of its own.
//   - Status.Foreign is always 0: processes, not inode numbers, are
//     followed, so a reused number cannot mix.
//   - a birth event carries the process and its cgroup v2 id, not its
//     namespace or cgroup names: they are read from /proc/<pid> when the
//     event arrives (a goroutine blocks on the ring buffer for that), then
//     from the cgroup id, then from any process still holding the record.
//     A process that exits before that leaves Namespace.MntNS 0 until
//     another of its record's processes is seen; a birth into the host's
//     namespace (setns) by a process gone by then is kept as a record
//     no container claims (swept like any other).
//   - a record dropped by DropBorn/SweepBorn is recreated under the same
//     key (a new birth event) at the next syscall of a process holding it.
//   - processes, not threads, hold records: a thread that unshares its own
//     mount namespace (a Go program's locked OS thread) moves its whole
//     process to the new record (or, in the host's namespace, out of
//     recording, as the process's leader is what /proc shows).
//   - at most 32768 processes are followed at once (pids map); beyond,
//     BornLosses counts them as full.
//   - with Options.AppArmor it records sockets (socket(2)'s arguments,
//     read from the raw sys_enter's pt_regs) and granted capabilities (the
//     classic tracepoint capability/cap_capable, Linux 6.14: left out,
//     and said in AppArmorLimits, when missing or laid out otherwise),
//     from each record's first exec on, as the BTF recorder does; no files
//     or libraries (their paths are walked from kernel structures only BTF
//     describes): AppArmorLimits always says so.
//   - an untracked syscall costs a pids lookup (30-45 ns more in the
//     program than the BTF recorder's filter bit, measured with the
//     kernel's BPF run-time statistics in BenchmarkSyscallOverhead); a
//     recorded one costs the same as with BTF.
//
// Contract:
//   - Load attaches the programs; Close detaches them and frees the maps.
//     Shared reference counts users so the programs are attached only while
//     someone records (Acquire loads on first use, Release closes on last).
//   - Track(mntns) starts recording a mount namespace (its proc inode number,
//     see MountNamespaceOf); Untrack stops it. Recorded data is kept in the
//     kernel after the namespace's last process has exited and after Untrack,
//     until Forget: a short-lived workload loses nothing as long as it was
//     tracked before it ran (track at Pending, collect, then Forget).
//   - Inode numbers are reused by the kernel once a namespace is freed (the
//     lowest free number first, so reuse is immediate). Each Track starts a
//     recording session with a new id; Track of a number whose previous
//     recording was not yet forgotten fails with ErrUncollected. While
//     tracked, the BPF side latches the namespace's 64-bit ns_id (never
//     reused) on the first syscall and counts, without recording, syscalls of
//     any other namespace that got the same number (Status.Foreign): a
//     workload that outlives its namespace's tracking cannot mix into it.
//   - At most 1024 namespaces can be recorded and not yet forgotten at once
//     (slots of the preallocated bitmap array); Track beyond that fails.
//   - The host's mount namespace (that of PID 1 under Options.ProcPath) is
//     never recorded: the BPF program skips it and Track refuses it.
//   - With Options.RecordNew (what the node's gRPC Server loads), every
//     other mount namespace is recorded too, from its first syscall while
//     the recorder is loaded, keyed by its never-reused id. The kernel
//     reports each such birth with the names of the creating task's cgroups
//     (v2, and v1 memory), which name the container: runtimes place a
//     container's first process in its cgroup before it unshares. So a
//     container is recorded from its first execve even though its runtime
//     publishes its id only after it ran, and even if it exited before.
//     Born(containerID) finds a container's namespaces; records nobody
//     claims are dropped by SweepBorn (the Server: after ClaimWindow), and a
//     live namespace dropped so is born again at its next syscall.
//   - With Options.AppArmor (BTF recorder; bpf/recorder_apparmor.h), each
//     recording also holds, from its first exec on, what an AppArmor
//     profile must allow: files opened (the fd the open family returned,
//     its path walked in the kernel up to the namespace's root, so
//     symlinks are resolved as AppArmor sees them) and mapped executable,
//     sockets created, capabilities the kernel granted (AppArmor,
//     BornAppArmor). Each file reaches user space once per recording and
//     access kind while an LRU remembers it; dropped events are counted
//     (AppArmor.Lost). What the kernel lacks (bpf_loop before 5.17, the
//     cap_capable tracepoint before 6.14, BTF at all) leaves that part out
//     and is named by AppArmorLimits, never failing the load. Measured in
//     BenchmarkAppArmorOverhead: a syscall that is not an open costs the
//     sys_exit program's floor (~48 ns here), an open already sent ~135 ns.
//   - Syscalls resolves the recorded numbers with libseccomp for the given
//     architecture; a number libseccomp cannot name is an error naming the
//     number, never a made-up name.
//   - Errors name the missing kernel feature: BTF, tp_btf, tracefs or a
//     classic tracepoint (ErrNoTracefs, ErrTracepoint), or privileges.
package bpfrecorder
