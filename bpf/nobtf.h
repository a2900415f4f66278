/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Types for recorder_nobtf.bpf.c: fixed-size integer typedefs, the UAPI
 * constants the program uses, and the classic tracepoints' records. No
 * kernel-internal structure is declared: the program must load on kernels
 * without BTF, so nothing may need a CO-RE relocation.
 */
#ifndef SPO_NOBTF_H
#define SPO_NOBTF_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef int pid_t;
typedef _Bool bool;

/* include/uapi/linux/bpf.h */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_RINGBUF = 27,
};
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};

/* include/uapi/linux/sched.h */
#define CLONE_NEWNS 0x00020000ULL

/*
 * Syscall numbers of the calls that give a process another mount namespace.
 * x86_64: arch/x86/entry/syscalls/syscall_64.tbl; arm64 uses the generic
 * table, include/uapi/asm-generic/unistd.h. bpf2go defines __TARGET_ARCH_*.
 */
#if defined(__TARGET_ARCH_x86)
#define NR_clone 56
#define NR_unshare 272
#define NR_setns 308
#define NR_clone3 435
#elif defined(__TARGET_ARCH_arm64)
#define NR_clone 220
#define NR_unshare 97
#define NR_setns 268
#define NR_clone3 435
#else
#error "unsupported architecture: define __TARGET_ARCH_x86 or __TARGET_ARCH_arm64"
#endif

/*
 * Classic tracepoint records, as /sys/kernel/tracing/events/<group>/<event>/format
 * describes them (kernel 6.18 shown; the fields used have kept these offsets
 * since they were introduced). Every record starts with struct trace_entry
 * (include/linux/trace_events.h: common_type, common_flags,
 * common_preempt_count, common_pid: 8 bytes). User space checks each offset
 * against the running kernel's format files before loading (tracefs.go).
 */

/*
 * sys_enter is attached as a raw tracepoint instead (BPF_RAW_TRACEPOINT_OPEN,
 * Linux 4.17, needs neither BTF nor tracefs): the program gets the
 * tracepoint's arguments, TP_PROTO(struct pt_regs *regs, long id) in
 * include/trace/events/syscalls.h, without the classic tracepoint's record
 * being built first (an empty program cost ~100 ns more per syscall on a
 * classic tracepoint than on a raw one here; raw ≈ tp_btf). The syscall's
 * own arguments are then read from pt_regs, whose layout is the ptrace ABI:
 * x86_64 arch/x86/include/uapi/asm/ptrace.h struct pt_regs (di, si at 112,
 * 104); arm64 arch/arm64/include/asm/ptrace.h struct pt_regs, which starts
 * with the uapi struct user_pt_regs (regs[31], sp, pc, pstate: 272 bytes)
 * followed by orig_x0, the first argument as the syscall received it
 * (regs[0] is the return value once the call ran; libbpf's
 * PT_REGS_PARM1_CORE_SYSCALL reads orig_x0 for the same reason).
 */
struct raw_sys_enter {
	void *regs;
	long id;
};

#if defined(__TARGET_ARCH_x86)
#define REGS_ARG0 112
#define REGS_ARG1 104
#elif defined(__TARGET_ARCH_arm64)
#define REGS_ARG0 272
#define REGS_ARG1 8
#endif

/* sched/sched_process_fork, include/trace/events/sched.h:
 *	field:__data_loc char[] parent_comm;	offset:8;	size:4;
 *	field:pid_t parent_pid;	offset:12;	size:4;
 *	field:__data_loc char[] child_comm;	offset:16;	size:4;
 *	field:pid_t child_pid;	offset:20;	size:4;
 * Older kernels had char parent_comm[16] and child_comm[16] instead
 * (parent_pid at 24, child_pid at 44): user space loads the program for the
 * layout the format file shows. */
struct tp_sched_process_fork {
	u64 common;
	u32 parent_comm;
	pid_t parent_pid;
	u32 child_comm;
	pid_t child_pid;
};

struct tp_sched_process_fork_comm_arrays {
	u64 common;
	char parent_comm[16];
	pid_t parent_pid;
	char child_comm[16];
	pid_t child_pid;
};

/* sched/sched_process_exit, include/trace/events/sched.h:
 *	field:char comm[16];	offset:8;	size:16;
 *	field:pid_t pid;	offset:24;	size:4;
 *	field:int prio;	offset:28;	size:4;
 *	field:bool group_dead;	offset:32;	size:1;   (newer kernels only) */
struct tp_sched_process_exit {
	u64 common;
	char comm[16];
	pid_t pid;
	int prio;
	bool group_dead;
};

/* sched/sched_process_exec, include/trace/events/sched.h:
 *	field:__data_loc char[] filename;	offset:8;	size:4;
 *	field:pid_t pid;	offset:12;	size:4;
 *	field:pid_t old_pid;	offset:16;	size:4;
 * A __data_loc field holds (length << 16 | offset from the record start). */
struct tp_sched_process_exec {
	u64 common;
	u32 filename;
	pid_t pid;
	pid_t old_pid;
};

#endif /* SPO_NOBTF_H */
