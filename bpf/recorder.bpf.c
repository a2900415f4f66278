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
 *   - with record_new set at load (the node daemon's bpf-recorder), every
 *     other namespace is recorded from its first syscall while the program
 *     is attached, in `born`, keyed by the never-reused 64-bit ns_id: the
 *     first syscall creates the record (BPF_NOEXIST, so exactly one creator)
 *     and sends a birth event with the creating task's cgroup name, which
 *     names the container. A container runtime publishes a container's id
 *     only after it ran, so this is what makes its first execve and its
 *     shortest-lived processes part of the recording. User space deletes
 *     records nobody claimed; a live namespace is then born again.
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
 *   include/linux/sched.h        task_struct->cgroups
 *   include/linux/cgroup-defs.h  css_set->dfl_cgrp, ->subsys[], cgroup->kn, ->level
 *   include/linux/kernfs.h       kernfs_node->name
 *   include/trace/events/syscalls.h   sys_enter(struct pt_regs *, long id)
 *   include/trace/events/sched.h      sched_process_exec(p, old_pid, bprm)
 * and, for AppArmor (recorder_apparmor.h), task_struct->files, the fd
 * table, struct file/path/dentry/mount/inode and the sys_exit and
 * capability/cap_capable tracepoints.
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
/* Set by user space before loading: record every other namespace (born). */
const volatile bool record_new = 0;

/* Namespaces born while `born` was full: not recorded (user space reports). */
u64 born_full = 0;
/* Birth events dropped because the ring buffer was full. */
u64 births_lost = 0;

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
	u64 caps;      /* AppArmor: capabilities granted (bit = CAP_*) */
	u64 net;       /* AppArmor: NET_* socket kinds created */
	u64 access_lost; /* AppArmor: file events dropped (ring buffer full) */
	u64 apparmor_armed; /* AppArmor: set by the record's first exec */
	u64 bits[BITMAP_WORDS];
};

/* slot -> syscalls seen; slots are allocated and zeroed by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_TRACKED);
	__type(key, u32);
	__type(value, struct syscall_bitmap);
} syscalls SEC(".maps");

#define MAX_BORN 4096
#define CGROUP_NAME_LEN 128

/* ns_id -> syscalls of a namespace recorded since its first syscall. Value
 * fields used: ns_id, exec_lost, bits; session holds the first task's tgid.
 * Preallocated: tracing programs may not allocate on older kernels. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_BORN);
	__type(key, u64);
	__type(value, struct syscall_bitmap);
} born SEC(".maps");

struct birth_event {
	u64 ns_id;
	u32 mntns;
	u32 pid;
	char cgroup[CGROUP_NAME_LEN];    /* cgroup v2 directory name, "" at the root */
	char cgroup_v1[CGROUP_NAME_LEN]; /* v1 memory cgroup directory name */
};

/* Birth events: one per namespace recorded in born. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} births SEC(".maps");

struct exec_event {
	u64 ns_id;
	u32 mntns;
	u32 pid;
	u32 born; /* 1: the namespace is recorded in born, keyed by ns_id */
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

/* Returns the bitmap of a namespace tracked by user space, or NULL. */
static __always_inline struct syscall_bitmap *tracked_bitmap(struct mnt_namespace *mnt, u32 inum)
{
	struct syscall_bitmap *bm;
	u32 *slot;
	u64 id;

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

/* The task's cgroup v1 memory cgroup (container runtimes always create
 * one), or NULL when the kernel has no memory controller. */
static __always_inline struct cgroup *memory_cgroup_of(struct css_set *cs)
{
	struct cgroup_subsys_state *css = 0;
	void *subsys;

	if (!bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
		return 0;
	subsys = __builtin_preserve_access_index(&cs->subsys[0]);
	bpf_probe_read_kernel(&css, sizeof(css), subsys +
		bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id) * sizeof(css));
	if (!css)
		return 0;
	return BPF_CORE_READ(css, cgroup);
}

static __always_inline void cgroup_name(char *dst, u32 size, struct cgroup *cg)
{
	dst[0] = 0;
	if (cg && BPF_CORE_READ(cg, level) > 0)
		bpf_probe_read_kernel_str(dst, size, BPF_CORE_READ(cg, kn, name));
}

/* Sends the birth of a namespace with the names of the creating task's
 * cgroups, v2 and v1 memory: user space takes the one that names a
 * container (on a hybrid host the v2 one may be a session's, not the
 * container's). The task already sits in the container's cgroups: runtimes
 * place a container's first process there before it unshares its
 * namespaces (runc: manager.Apply before the bootstrap data reaches nsexec). */
static __always_inline void send_birth(u64 id, u32 inum)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct birth_event *ev;
	struct css_set *cs;

	ev = bpf_ringbuf_reserve(&births, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&births_lost, 1);
		return;
	}
	ev->ns_id = id;
	ev->mntns = inum;
	ev->pid = task->tgid;
	cs = BPF_CORE_READ(task, cgroups);
	cgroup_name(ev->cgroup, sizeof(ev->cgroup), BPF_CORE_READ(cs, dfl_cgrp));
	cgroup_name(ev->cgroup_v1, sizeof(ev->cgroup_v1), memory_cgroup_of(cs));
	bpf_ringbuf_submit(ev, 0);
}

/* The key of a namespace in born; without a never-reused id (kernels
 * before mnt_namespace.seq), the number with the top bit set. */
static __always_inline u64 born_key(struct mnt_namespace *mnt, u32 inum)
{
	u64 id = ns_id_of(mnt);

	return id ? id : (1ULL << 63) | inum;
}

/* Returns the born record of a namespace, creating it on its first call. */
static __always_inline struct syscall_bitmap *born_bitmap(struct mnt_namespace *mnt, u32 inum)
{
	struct syscall_bitmap init = {};
	struct syscall_bitmap *bm;
	u64 id = born_key(mnt, inum);
	long err;

	bm = bpf_map_lookup_elem(&born, &id);
	if (bm)
		return bm;
	init.ns_id = id;
	init.session = bpf_get_current_pid_tgid() >> 32;
	err = bpf_map_update_elem(&born, &id, &init, BPF_NOEXIST);
	if (err == 0) {
		send_birth(id, inum);
		return bpf_map_lookup_elem(&born, &id);
	}
	if (err != -17 /* EEXIST: another CPU created it */) {
		__sync_fetch_and_add(&born_full, 1);
		return 0;
	}
	return bpf_map_lookup_elem(&born, &id);
}

/* Returns the bitmap to record into, or NULL for namespaces not recorded;
 * *is_born tells which map it is in. */
static __always_inline struct syscall_bitmap *bitmap_of(struct mnt_namespace *mnt, u32 *is_born)
{
	struct syscall_bitmap *bm;
	u32 inum = mnt->ns.inum;

	*is_born = 0;
	if (inum == host_mntns)
		return 0;
	bm = tracked_bitmap(mnt, inum);
	if (bm || !record_new)
		return bm;
	*is_born = 1;
	return born_bitmap(mnt, inum);
}

#include "recorder_apparmor.h"

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct mnt_namespace *mnt = mntns_of(bpf_get_current_task_btf());
	struct syscall_bitmap *bm;
	u32 nr = (u32)id, is_born;
	u64 *word, bit;

	if (!mnt || nr >= MAX_SYSCALLS)
		return 0;
	bm = bitmap_of(mnt, &is_born);
	if (!bm)
		return 0;
	/* The mask keeps the verifier's bounds (clang may spill nr). */
	word = &bm->bits[(nr / 64) & (BITMAP_WORDS - 1)];
	bit = 1ULL << (nr % 64);
	/* Test first: a syscall already seen costs no atomic write. */
	if (!(*word & bit))
		__sync_fetch_and_or(word, bit);
	if (record_apparmor)
		apparmor_sys_enter(regs, nr);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct mnt_namespace *mnt = mntns_of(p);
	struct syscall_bitmap *bm;
	struct exec_event *ev;
	u32 is_born;

	if (!mnt)
		return 0;
	bm = bitmap_of(mnt, &is_born);
	if (!bm)
		return 0;
	if (record_apparmor && !bm->apparmor_armed)
		bm->apparmor_armed = 1;
	if (record_files)
		record_file(bm, is_born, mnt, bprm->file, ACCESS_EXEC);
	ev = bpf_ringbuf_reserve(&execs, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&bm->exec_lost, 1);
		return 0;
	}
	ev->ns_id = is_born ? born_key(mnt, mnt->ns.inum) : bm->ns_id;
	ev->mntns = mnt->ns.inum;
	ev->pid = p->tgid;
	ev->born = is_born;
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
