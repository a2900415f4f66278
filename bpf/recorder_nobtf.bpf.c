//go:build ignore

// SPDX-License-Identifier: GPL-2.0
/*
 * Syscall recorder for kernels without BTF: one bit per syscall number per
 * record, like recorder.bpf.c, but processes are followed by pid instead of
 * by mount namespace, because without BTF (no CO-RE) a program cannot read
 * current->nsproxy. Only tracepoints with stable interfaces are used: the
 * sched ones as classic tracepoints, whose records have stable formats
 * (/sys/kernel/tracing/events/<group>/<event>/format, see nobtf.h; user
 * space checks the offsets at load), and raw_syscalls/sys_enter as a raw
 * tracepoint, whose arguments are (pt_regs, id): the hot path then costs no
 * classic tracepoint record (nobtf.h).
 *
 * Contract with user space (daemon/bpfrecorder, nobtf*.go):
 *   - `pids` maps a thread-group id (tgid) to the key of the record its
 *     syscalls go to. Keys: KEY_TRACKED | slot for a namespace tracked by
 *     user space (records in the `syscalls` array, as in recorder.bpf.c);
 *     KEY_IGNORE for processes known to be in the host's mount namespace;
 *     anything else is the key of a record in `born`. User space fills
 *     `pids` for Track (the namespace's processes, found in /proc) and, with
 *     record_new, at load (every process outside the host namespace).
 *   - sched_process_fork: the child inherits its parent's key, so a tracked
 *     tree stays tracked; a child of an untracked parent has its entry
 *     deleted (a reused pid never inherits a stale key). Threads get an entry
 *     under their tid too (the format does not tell threads from processes);
 *     it is unused, and removed when the thread exits.
 *   - sched_process_exit removes the exiting thread's entry; the process's
 *     entry goes when the whole group is dead (group_dead, or the leader's
 *     exit on kernels whose format lacks it). Records are never deleted
 *     here: they stay until user space forgets them, so short-lived
 *     processes lose nothing.
 *   - where a record's layout differs between kernels, there is one
 *     program per layout and user space loads the one the running kernel's
 *     format file describes (a program reading past the record is refused).
 *   - with record_new (the node daemon), a process that gets a new mount
 *     namespace starts a new record in `born`: unshare(CLONE_NEWNS),
 *     setns(fd, 0 or CLONE_NEWNS) (joining a container: runc exec), and the
 *     child of clone/clone3 with CLONE_NEWNS. unshare and setns take effect
 *     when the syscall returns, so the thread is marked in `pending` and the
 *     birth happens at its next syscall (then /proc shows the new namespace):
 *     no sys_exit program runs on every syscall for this, and while nothing
 *     is pending (`pending_count` 0) it costs sys_enter one load. A clone
 *     child is born in sched_process_fork. Each birth sends (key,
 *     tgid, cgroup id) to `births`; user space names the container from
 *     /proc/<tgid>/cgroup (runtimes place a container's first process in its
 *     cgroup before it unshares), and marks processes of the host namespace
 *     KEY_IGNORE. A failed unshare/setns only makes a spurious birth of a
 *     record with the same container. A born record deleted by user space is
 *     created again (a new birth event, same key) at the next syscall of a
 *     process still holding its key.
 *   - syscall numbers are those of the task's syscall table; record native
 *     tasks only (as recorder.bpf.c).
 *   - with record_apparmor, sockets and capabilities are recorded for
 *     AppArmor in the record's net and caps bits, from its first exec on
 *     (nobtf_apparmor.h); cap_capable_apparmor is loaded only then, and only
 *     where the kernel has the capability/cap_capable tracepoint.
 *
 * Tracepoints (include/trace/events/...):
 *   syscalls.h  sys_enter (raw tracepoint) regs, id; args from pt_regs
 *   sched.h     sched/sched_process_fork    child_pid (current: the parent)
 *   sched.h     sched/sched_process_exit    group_dead (current: exiting)
 *   sched.h     sched/sched_process_exec    filename (__data_loc), pid
 *   capability.h capability/cap_capable     cap, ret (nobtf_apparmor.h)
 */
#include "nobtf.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_SYSCALLS 1024
#define BITMAP_WORDS (MAX_SYSCALLS / 64)
#define MAX_TRACKED 1024
#define MAX_BORN 4096
#define MAX_PIDS 32768
#define PATH_LEN 256

#define KEY_TRACKED (1ULL << 63)
#define KEY_IGNORE (~0ULL)

#define PENDING_SELF 1  /* unshare: born at its next syscall */
#define PENDING_CHILD 2 /* clone/clone3: the child is born at fork */
#define PENDING_JOIN 3  /* setns: born at its next syscall, in a namespace that exists */

/* Why a record was born (birth_event.cause). Only a joined or re-created
 * record can be the host's namespace: a new one never is, whatever /proc
 * shows by the time user space looks (the process may have moved on). */
#define BIRTH_NEW 1
#define BIRTH_JOIN 2
#define BIRTH_AGAIN 3

/* Set by user space before loading. */
const volatile bool record_new = 0;

/* Syscalls that could not create a born record (the map was full). */
u64 born_full = 0;
/* Birth events dropped because the ring buffer (or `pending`) was full. */
u64 births_lost = 0;
/* Processes not followed because `pids` was full. */
u64 pids_full = 0;
/* Entries in `pending`: while 0, sys_enter skips the lookup. */
u64 pending_count = 0;
/* Last born key handed out (user space's own keys have bit 62 set). */
u64 next_born = 0;

struct syscall_bitmap {
	u64 session;  /* tracked: set by user space at Track; born: first tgid */
	u64 ns_id;    /* born: the record's key; tracked: 0 */
	u64 foreign;  /* unused here: pids are never mistaken for another namespace */
	u64 exec_lost; /* exec events dropped because the ring buffer was full */
	u64 caps;      /* AppArmor: capabilities granted (bit = CAP_*) */
	u64 net;       /* AppArmor: NET_* socket kinds created */
	u64 access_lost; /* unused here (no file events): the layout is the BTF recorder's */
	u64 apparmor_armed; /* AppArmor: set by the record's first exec */
	u64 bits[BITMAP_WORDS];
};

/* tgid -> record key (see the contract). Preallocated: tracepoint
 * programs may not allocate on older kernels. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PIDS);
	__type(key, u32);
	__type(value, u64);
} pids SEC(".maps");

/* slot -> syscalls of a tracked namespace; slots are user space's. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_TRACKED);
	__type(key, u32);
	__type(value, struct syscall_bitmap);
} syscalls SEC(".maps");

/* key -> syscalls of a record started by a mount-namespace birth. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_BORN);
	__type(key, u64);
	__type(value, struct syscall_bitmap);
} born SEC(".maps");

/* tid -> PENDING_* between a namespace-changing syscall and its effect. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u32);
} pending SEC(".maps");

struct birth_event {
	u64 key;
	u64 cgroup_id; /* cgroup v2 id (its directory's inode) of the task */
	u32 pid;       /* tgid of the process whose record this is */
	u32 cause;     /* BIRTH_* */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} births SEC(".maps");

/* Same layout as recorder.bpf.c's exec_event; for a tracked record, mntns
 * holds the slot (user space maps it back to the namespace). */
struct exec_event {
	u64 ns_id;
	u32 mntns;
	u32 pid;
	u32 born;
	char filename[PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} execs SEC(".maps");

static __always_inline void send_birth(u64 key, u32 tgid, u32 cause)
{
	struct birth_event *ev = bpf_ringbuf_reserve(&births, sizeof(*ev), 0);

	if (!ev) {
		__sync_fetch_and_add(&births_lost, 1);
		return;
	}
	ev->key = key;
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->pid = tgid;
	ev->cause = cause;
	bpf_ringbuf_submit(ev, 0);
}

/* Creates the born record of key (once: BPF_NOEXIST) and reports it. */
static __always_inline struct syscall_bitmap *create_born(u64 key, u32 tgid, u32 cause)
{
	struct syscall_bitmap init = {};
	long err;

	init.ns_id = key;
	init.session = tgid;
	err = bpf_map_update_elem(&born, &key, &init, BPF_NOEXIST);
	if (err == 0)
		send_birth(key, tgid, cause);
	else if (err != -17 /* EEXIST: another CPU created it */) {
		__sync_fetch_and_add(&born_full, 1);
		return 0;
	}
	return bpf_map_lookup_elem(&born, &key);
}

/* A process got a new mount namespace: give it a new record. */
static __always_inline void new_born(u32 tgid, u32 cause)
{
	u64 key = __sync_fetch_and_add(&next_born, 1) + 1;

	if (bpf_map_update_elem(&pids, &tgid, &key, BPF_ANY)) {
		__sync_fetch_and_add(&pids_full, 1);
		return;
	}
	create_born(key, tgid, cause);
}

/* The record a key names, or NULL when it is not recorded. */
static __always_inline struct syscall_bitmap *record_of(u64 key, u32 tgid)
{
	struct syscall_bitmap *bm;
	u32 slot;

	if (key == KEY_IGNORE)
		return 0;
	if (key & KEY_TRACKED) {
		slot = (u32)key;
		return bpf_map_lookup_elem(&syscalls, &slot);
	}
	bm = bpf_map_lookup_elem(&born, &key);
	if (bm || !record_new)
		return bm;
	return create_born(key, tgid, BIRTH_AGAIN); /* deleted by user space, still running */
}

static __always_inline void clear_pending(u32 tid)
{
	if (bpf_map_delete_elem(&pending, &tid) == 0)
		__sync_fetch_and_sub(&pending_count, 1);
}

/* The thread's previous syscall was unshare/setns (or a failed clone). */
static __always_inline void consume_pending(u32 tid, u32 tgid)
{
	u32 *kind = bpf_map_lookup_elem(&pending, &tid);
	u32 k;

	if (!kind)
		return;
	k = *kind;
	clear_pending(tid);
	if (k == PENDING_SELF)
		new_born(tgid, BIRTH_NEW);
	else if (k == PENDING_JOIN)
		new_born(tgid, BIRTH_JOIN);
}

/* Argument off (REGS_ARG*) of the syscall whose registers are regs. */
static __always_inline u64 syscall_arg(void *regs, int off)
{
	u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), regs + off);
	return v;
}

/* Which PENDING_* a syscall asks for (0: it changes no mount namespace). */
static __always_inline u32 pending_kind(void *regs, long nr)
{
	u64 flags;

	switch (nr) {
	case NR_unshare:
		return syscall_arg(regs, REGS_ARG0) & CLONE_NEWNS ? PENDING_SELF : 0;
	case NR_setns: /* setns(fd, nstype): 0 accepts any namespace type */
		flags = syscall_arg(regs, REGS_ARG1);
		return flags == 0 || (flags & CLONE_NEWNS) ? PENDING_JOIN : 0;
	case NR_clone:
		return syscall_arg(regs, REGS_ARG0) & CLONE_NEWNS ? PENDING_CHILD : 0;
	case NR_clone3: /* flags: the first u64 of struct clone_args (uapi sched.h) */
		flags = 0;
		bpf_probe_read_user(&flags, sizeof(flags), (void *)syscall_arg(regs, REGS_ARG0));
		return flags & CLONE_NEWNS ? PENDING_CHILD : 0;
	}
	return 0;
}

static __always_inline void note_pending(void *regs, long nr, u32 tid)
{
	u32 kind = pending_kind(regs, nr);
	long err;

	if (!kind)
		return;
	err = bpf_map_update_elem(&pending, &tid, &kind, BPF_NOEXIST);
	if (err == 0)
		__sync_fetch_and_add(&pending_count, 1);
	else if (err == -17 /* EEXIST */)
		bpf_map_update_elem(&pending, &tid, &kind, BPF_ANY);
	else
		__sync_fetch_and_add(&births_lost, 1);
}

#include "nobtf_apparmor.h"

/* raw_syscalls/sys_enter as a raw tracepoint (see nobtf.h for why). */
SEC("raw_tracepoint/sys_enter")
int sys_enter(struct raw_sys_enter *ctx)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tgid = pid_tgid >> 32, nr = (u32)ctx->id;
	struct syscall_bitmap *bm;
	u64 *key, *word, bit;

	if (record_new) {
		if (pending_count)
			consume_pending((u32)pid_tgid, tgid);
		note_pending(ctx->regs, ctx->id, (u32)pid_tgid);
	}
	if (nr >= MAX_SYSCALLS)
		return 0;
	key = bpf_map_lookup_elem(&pids, &tgid);
	if (!key)
		return 0;
	bm = record_of(*key, tgid);
	if (!bm)
		return 0;
	/* The mask keeps the verifier's bounds (clang may spill nr). */
	word = &bm->bits[(nr / 64) & (BITMAP_WORDS - 1)];
	bit = 1ULL << (nr % 64);
	if (!(*word & bit))
		__sync_fetch_and_or(word, bit);
	if (record_apparmor)
		apparmor_sys_enter(bm, ctx->regs, nr);
	return 0;
}

/* A child: its parent's key, or a new record when the parent's clone asked
 * for a new mount namespace. current is the parent. */
static __always_inline void on_fork(u32 child)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;
	u32 *kind;
	u64 *key, k;

	if (record_new && pending_count) {
		kind = bpf_map_lookup_elem(&pending, &tid);
		if (kind && *kind == PENDING_CHILD) {
			clear_pending(tid);
			new_born(child, BIRTH_NEW);
			return;
		}
	}
	key = bpf_map_lookup_elem(&pids, &tgid);
	if (!key) {
		bpf_map_delete_elem(&pids, &child);
		return;
	}
	k = *key;
	if (bpf_map_update_elem(&pids, &child, &k, BPF_ANY))
		__sync_fetch_and_add(&pids_full, 1);
}

/* Two programs for the two layouts of the record (nobtf.h); user space
 * loads the one the running kernel's format file describes: the kernel
 * refuses to attach a program that reads past the record
 * (perf_event_set_bpf_prog: max_ctx_offset, kernel/events/core.c). */
SEC("tracepoint/sched/sched_process_fork")
int sched_process_fork(struct tp_sched_process_fork *ctx)
{
	on_fork(ctx->child_pid);
	return 0;
}

SEC("tracepoint/sched/sched_process_fork")
int sched_process_fork_comm_arrays(struct tp_sched_process_fork_comm_arrays *ctx)
{
	on_fork(ctx->child_pid);
	return 0;
}

/* The thread's entry goes at its exit; the process's when the group is
 * dead. current is the exiting task. */
static __always_inline void on_exit(bool group_dead)
{
	u64 pid_tgid = bpf_get_current_pid_tgid();
	u32 tid = (u32)pid_tgid, tgid = pid_tgid >> 32;

	if (pending_count)
		clear_pending(tid);
	if (tid != tgid || group_dead)
		bpf_map_delete_elem(&pids, &tid);
}

SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit(struct tp_sched_process_exit *ctx)
{
	on_exit(ctx->group_dead);
	return 0;
}

/* For formats without group_dead (user space loads one of the two, as for
 * fork): the leader's exit stands for the group's. A leader that exits
 * before its other threads (pthread_exit in main) leaves them unrecorded. */
SEC("tracepoint/sched/sched_process_exit")
int sched_process_exit_no_group_dead(void *ctx)
{
	on_exit(1);
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int sched_process_exec(struct tp_sched_process_exec *ctx)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct syscall_bitmap *bm;
	struct exec_event *ev;
	u64 *key, k;
	u32 off;

	key = bpf_map_lookup_elem(&pids, &tgid);
	if (!key)
		return 0;
	k = *key;
	bm = record_of(k, tgid);
	if (!bm)
		return 0;
	if (record_apparmor && !bm->apparmor_armed)
		bm->apparmor_armed = 1;
	ev = bpf_ringbuf_reserve(&execs, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&bm->exec_lost, 1);
		return 0;
	}
	ev->born = !(k & KEY_TRACKED);
	ev->ns_id = ev->born ? k : 0;
	ev->mntns = ev->born ? 0 : (u32)k;
	ev->pid = tgid;
	off = ctx->filename & 0xFFFF; /* __data_loc: offset in the low 16 bits */
	if (bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), (void *)ctx + off) < 0)
		ev->filename[0] = 0;
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/* The same hook doing nothing: the floor the benchmark compares against. */
SEC("raw_tracepoint/sys_enter")
int sys_enter_empty(struct raw_sys_enter *ctx)
{
	return 0;
}
