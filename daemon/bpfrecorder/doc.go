// Package bpfrecorder records which syscalls the processes of a mount
// namespace make, with the BPF program in bpf/ (tp_btf/sys_enter reading
// current->nsproxy->mnt_ns->ns.inum directly through BTF), and which
// executables they run (tp_btf/sched_process_exec).
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
//   - Syscalls resolves the recorded numbers with libseccomp for the given
//     architecture; a number libseccomp cannot name is an error naming the
//     number, never a made-up name.
//   - Errors name the missing kernel feature: BTF, tp_btf, or privileges.
package bpfrecorder
