/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AppArmor recording for recorder_nobtf.bpf.c, when user space sets
 * record_apparmor at load (otherwise the verifier prunes all of it, and user
 * space does not load cap_capable_apparmor): sockets created and
 * capabilities granted, as bits in the record, from the record's first exec
 * on (apparmor_armed, set by sched_process_exec: a profile applies from the
 * exec that loads it). Files are not recorded: their paths are a walk of
 * struct file, dentry and vfsmount, which needs the kernel's types (BTF).
 *
 * Sockets are classified by apparmor_net.h, as in recorder_apparmor.h:
 * the two recorders share the Go side.
 *
 * Tracepoints (include/trace/events/...):
 *   syscalls.h    sys_enter (raw): socket(2)'s family and type from pt_regs
 *   capability.h  capability/cap_capable (Linux 6.14), classic: cap, ret
 */
#ifndef SPO_NOBTF_APPARMOR_H
#define SPO_NOBTF_APPARMOR_H

#include "apparmor_net.h"

const volatile bool record_apparmor = 0;



/* arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/unistd.h */
#if defined(__TARGET_ARCH_x86)
#define NR_socket 41
#elif defined(__TARGET_ARCH_arm64)
#define NR_socket 198
#endif

/* capability/cap_capable, include/trace/events/capability.h (Linux 6.14):
 *	field:const struct cred * cred;	offset:8;	size:8;
 *	field:struct user_namespace * target_ns;	offset:16;	size:8;
 *	field:const struct user_namespace * capable_ns;	offset:24;	size:8;
 *	field:int cap;	offset:32;	size:4;
 *	field:int ret;	offset:36;	size:4;
 * User space checks cap and ret against the format file (tracefs.go) and
 * leaves the program out when the tracepoint is missing or differs. */
struct tp_cap_capable {
	u64 common;
	u64 cred;
	u64 target_ns;
	u64 capable_ns;
	int cap;
	int ret;
};

/* Called by sys_enter for a recorded process: socket(2) once armed. The
 * arguments are read from pt_regs as pending_kind's are (REGS_ARG*, nobtf.h;
 * on arm64 REGS_ARG0 is orig_x0, which holds the first argument at
 * sys_enter as regs[0] does). */
static __always_inline void apparmor_sys_enter(struct syscall_bitmap *bm, void *regs, u32 nr)
{
	u64 bits;

	if (nr != NR_socket || !bm->apparmor_armed)
		return;
	bits = net_bits(syscall_arg(regs, REGS_ARG0), syscall_arg(regs, REGS_ARG1));
	if (bits && (bm->net & bits) != bits)
		__sync_fetch_and_or(&bm->net, bits);
}

/* A capability check (security/commoncap.c cap_capable) answered ret: 0
 * granted it. current made the check (capable(), ns_capable(): the
 * tracepoint fires in the checking task), so its tgid names the record, as
 * the BTF recorder's current mount namespace does. A refused capability
 * never reaches AppArmor (security_capable stops at commoncap's refusal),
 * so it needs no rule. */
SEC("tracepoint/capability/cap_capable")
int cap_capable_apparmor(struct tp_cap_capable *ctx)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct syscall_bitmap *bm;
	int cap = ctx->cap;
	u64 *key, bit;

	if (ctx->ret != 0 || cap < 0 || cap >= 64)
		return 0;
	key = bpf_map_lookup_elem(&pids, &tgid);
	if (!key)
		return 0;
	bm = record_of(*key, tgid);
	if (!bm || !bm->apparmor_armed)
		return 0;
	bit = 1ULL << cap;
	if (!(bm->caps & bit))
		__sync_fetch_and_or(&bm->caps, bit);
	return 0;
}

#endif /* SPO_NOBTF_APPARMOR_H */
