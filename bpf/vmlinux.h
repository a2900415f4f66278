/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Minimal kernel type declarations for recorder.bpf.c.
 *
 * Instead of the full `bpftool btf dump ... format c` output (several MB and
 * tied to one kernel build), only the fields the program reads are declared,
 * with __attribute__((preserve_access_index)): clang emits CO-RE relocations
 * for every access and the loader (cilium/ebpf) resolves the real offsets
 * against the running kernel's BTF (/sys/kernel/btf/vmlinux) at load time.
 * Field order and struct sizes here are therefore irrelevant; field names and
 * types must match the kernel's.
 */
#ifndef SPO_VMLINUX_H
#define SPO_VMLINUX_H

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
	BPF_F_NO_PREALLOC = 1,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

/* include/linux/ns_common.h: the proc inode number (what /proc/<pid>/ns/mnt
 * shows as mnt:[inum], reused after the namespace is freed) and, on recent
 * kernels (6.18 has it), ns_id: a 64-bit id that is never reused. The program
 * checks ns_id exists (bpf_core_field_exists) before reading it. */
struct ns_common {
	unsigned int inum;
	u64 ns_id;
};

/* fs/mount.h: the mount namespace starts with its ns_common; before ns_id
 * existed, seq was its never-reused 64-bit sequence number. */
struct mnt_namespace {
	struct ns_common ns;
	u64 seq;
};

/* include/linux/nsproxy.h: a task's namespaces; NULL once the task exits. */
struct nsproxy {
	struct mnt_namespace *mnt_ns;
};

/* include/linux/kernfs.h: a cgroup directory; name is its last path
 * component (the container id, or cri-containerd-<id>.scope and the like). */
struct kernfs_node {
	const char *name;
};

/* include/linux/cgroup-defs.h: level is 0 for a hierarchy's root. */
struct cgroup {
	struct kernfs_node *kn;
	int level;
};

struct cgroup_subsys_state {
	struct cgroup *cgroup;
};

/* include/linux/cgroup-defs.h: a task's cgroups, one per v1 controller
 * (subsys, indexed by enum cgroup_subsys_id) and the cgroup v2 one
 * (dfl_cgrp). The array length is CGROUP_SUBSYS_COUNT, which depends on the
 * kernel's config: the program reads an element by address, not by index. */
struct css_set {
	struct cgroup_subsys_state *subsys[1];
	struct cgroup *dfl_cgrp;
};

/* include/linux/cgroup_subsys.h: the value is relocated at load time. */
enum cgroup_subsys_id {
	memory_cgrp_id = 0,
};

/* include/linux/sched.h */
struct task_struct {
	struct nsproxy *nsproxy;
	struct css_set *cgroups;
	pid_t pid;
	pid_t tgid;
};

/* include/linux/binfmts.h: filename is the path passed to execve(2). */
struct linux_binprm {
	const char *filename;
};

struct pt_regs;

#pragma clang attribute pop

#endif /* SPO_VMLINUX_H */
