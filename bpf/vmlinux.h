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
typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;
typedef int pid_t;
typedef _Bool bool;

/* include/uapi/linux/bpf.h */
enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_LRU_HASH = 9,
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

/* include/linux/fdtable.h: a task's open files; fd[] has max_fds slots. */
struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

/* include/linux/sched.h */
struct task_struct {
	struct nsproxy *nsproxy;
	struct css_set *cgroups;
	struct files_struct *files;
	pid_t pid;
	pid_t tgid;
};

/* include/linux/dcache.h: name is NUL-terminated (d_alloc copies it so). */
struct qstr {
	const unsigned char *name;
};

/* include/linux/fs.h */
struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
};

/* include/linux/dcache.h: a path component; d_parent is itself at the
 * root of its file system. */
struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
};

/* include/linux/mount.h: what a struct path names; embedded in struct
 * mount (fs/mount.h), whose mnt_parent is itself at the root of its
 * namespace's tree and mnt_mountpoint is where it is mounted. */
struct vfsmount {
	struct dentry *mnt_root;
};

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

/* include/linux/fs.h: f_mode holds FMODE_READ (1) and FMODE_WRITE (2). */
struct file {
	struct path f_path;
	unsigned int f_mode;
};

/* include/linux/binfmts.h: filename is the path passed to execve(2),
 * file the binary the kernel loads (symlinks resolved). */
struct linux_binprm {
	const char *filename;
	struct file *file;
};

/* arch/x86/include/asm/ptrace.h, arch/arm64/include/asm/ptrace.h: the
 * syscall's arguments (x86_64: di, si, dx, r10, r8; arm64: regs[0..2], in an
 * anonymous struct CO-RE finds by name) and, at sys_exit, its number. */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long r10;
	unsigned long r8;
	unsigned long orig_ax;
};
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
	u64 regs[31];
	int syscallno;
};
#else
struct pt_regs;
#endif

#pragma clang attribute pop

#endif /* SPO_VMLINUX_H */
