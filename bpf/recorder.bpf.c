//go:build ignore

// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall recorder: one bit per syscall number per tracked mount namespace.
 *
 * Contract with user space (daemon/bpfrecorder):
 *   - user space picks a free slot of the `syscalls` array, zeroes it, and
 *     maps the mount namespace (its proc inode number) to the slot in
 *     `tracked` (Track); it deletes the `tracked` entry to stop recording
 *     (Untrack) and reuses the slot only after it has read it (Forget). This
 *     program never creates or deletes entries, so a namespace's bitmap
 *     survives its last process until it is collected: short-lived workloads
 *     lose nothing. (An array lookup is inlined by the verifier, so a
 *     recorded syscall costs one hash lookup.)
 *   - mount-namespace inode numbers are reused once a namespace is freed. A
 *     number is only recorded between Track and Untrack, and user space
 *     refuses to Track a number whose previous bitmap was not yet collected.
 *     While tracked, the first recorded syscall latches the namespace's 64-bit
 *     ns_id (never reused) into the bitmap; a different namespace that got the
 *     same inode number is counted in `foreign` and not recorded.
 *   - the host's mount namespace (host_mntns, set at load) is never recorded.
 *   - no fork/exit hook is needed: tracking is per mount namespace, which
 *     children inherit, and data is kept until Forget whatever exits.
 *   - syscall numbers are those of the task's syscall table; 32-bit (compat)
 *     tasks on a 64-bit kernel would be recorded with their compat numbers,
 *     which user space resolves as native ones: record native tasks only.
 *
 * Kernel structures relied on (read directly through BTF, relocated by CO-RE):
 *   include/linux/sched.h        task_struct->nsproxy
 *   include/linux/nsproxy.h      nsproxy->mnt_ns
 *   fs/mount.h                   mnt_namespace->ns, ->seq (before 6.18)
 *   include/linux/ns_common.h    ns_common->inum, ns_common->ns_id
 *   include/linux/binfmts.h      linux_binprm->filename
 *   include/trace/events/syscalls.h   sys_enter(struct pt_regs *, long id)
 *   include/trace/events/sched.h      sched_process_exec(p, old_pid, bprm)
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_SYSCALLS 1024
#define BITMAP_WORDS (MAX_SYSCALLS / 64)
#define MAX_TRACKED 1024
#define PATH_LEN 256

/* Set by user space before loading: the host's mount namespace inode. */
const volatile u32 host_mntns = 0;

/*
 * Bit (inum % 65536) is set for every tracked inode number. Written only by
 * user space (mmapped .bss); a clear bit is the whole cost for an untracked
 * namespace (a load, no helper call). Proc inode numbers are allocated
 * densely from one IDA (fs/proc/generic.c proc_alloc_inum), so the low 16
 * bits rarely collide; a collision only costs the hash lookup below.
 */
#define FILTER_BITS 65536
u64 tracked_filter[FILTER_BITS / 64];

/* mount namespace inode -> slot in syscalls (chosen by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TRACKED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, u32);
} tracked SEC(".maps");

struct syscall_bitmap {
	u64 session;  /* set by user space at Track */
	u64 ns_id;    /* latched by the first recorded syscall; 0 = none yet */
	u64 foreign;  /* syscalls from another namespace with the same inode */
	u64 exec_lost; /* exec events dropped because the ring buffer was full */
	u64 bits[BITMAP_WORDS];
};

/* slot -> syscalls seen; slots are allocated and zeroed by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_TRACKED);
	__type(key, u32);
	__type(value, struct syscall_bitmap);
} syscalls SEC(".maps");

struct exec_event {
	u32 mntns;
	u32 pid;
	char filename[PATH_LEN];
};

/* Exec events of tracked namespaces (rare, so one event each is fine). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} execs SEC(".maps");


static __always_inline struct mnt_namespace *mntns_of(struct task_struct *task)
{
	struct nsproxy *nsp = task->nsproxy;

	if (!nsp)
		return 0;
	return nsp->mnt_ns;
}

/* A 64-bit id never reused: ns_common.ns_id where it exists (6.18), else
 * mnt_namespace.seq (older kernels), else 0 (no reuse guard). */
static __always_inline u64 ns_id_of(struct mnt_namespace *mnt)
{
	if (bpf_core_field_exists(mnt->ns.ns_id))
		return mnt->ns.ns_id;
	if (bpf_core_field_exists(mnt->seq))
		return mnt->seq;
	return 0;
}

/* Returns the bitmap to record into, or NULL for untracked namespaces. */
static __always_inline struct syscall_bitmap *bitmap_of(struct mnt_namespace *mnt)
{
	struct syscall_bitmap *bm;
	u32 inum, *slot;
	u64 id;

	inum = mnt->ns.inum;
	if (inum == host_mntns)
		return 0;
	if (!(tracked_filter[(inum / 64) & (FILTER_BITS / 64 - 1)] & (1ULL << (inum % 64))))
		return 0;
	slot = bpf_map_lookup_elem(&tracked, &inum);
	if (!slot)
		return 0;
	bm = bpf_map_lookup_elem(&syscalls, slot);
	if (!bm)
		return 0;
	id = ns_id_of(mnt);
	if (bm->ns_id != id) {
		if (bm->ns_id == 0 && __sync_val_compare_and_swap(&bm->ns_id, 0, id) == 0)
			return bm;
		if (bm->ns_id != id) {
			__sync_fetch_and_add(&bm->foreign, 1);
			return 0;
		}
	}
	return bm;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct mnt_namespace *mnt = mntns_of(bpf_get_current_task_btf());
	struct syscall_bitmap *bm;
	u32 nr = (u32)id;
	u64 *word, bit;

	if (!mnt || nr >= MAX_SYSCALLS)
		return 0;
	bm = bitmap_of(mnt);
	if (!bm)
		return 0;
	/* The mask keeps the verifier's bounds (clang may spill nr). */
	word = &bm->bits[(nr / 64) & (BITMAP_WORDS - 1)];
	bit = 1ULL << (nr % 64);
	/* Test first: a syscall already seen costs no atomic write. */
	if (!(*word & bit))
		__sync_fetch_and_or(word, bit);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct mnt_namespace *mnt = mntns_of(p);
	struct syscall_bitmap *bm;
	struct exec_event *ev;

	if (!mnt)
		return 0;
	bm = bitmap_of(mnt);
	if (!bm)
		return 0;
	ev = bpf_ringbuf_reserve(&execs, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&bm->exec_lost, 1);
		return 0;
	}
	ev->mntns = mnt->ns.inum;
	ev->pid = p->tgid;
	if (bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), bprm->filename) < 0)
		ev->filename[0] = 0;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/* The same hook doing nothing: the floor the benchmark compares against. */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_empty, struct pt_regs *regs, long id)
{
	return 0;
}
