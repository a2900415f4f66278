/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an AppArmor profile must allow, recorded beside the syscalls when
 * user space sets record_apparmor at load (otherwise the verifier prunes
 * all of it): files opened and executable mappings (paths, by ring buffer),
 * sockets created and capabilities granted (bits in the record).
 *
 * The file programs need bpf_loop (Linux 5.17); user space leaves them
 * out, and says so, on older kernels.
 *
 * LSM and fentry programs are refused on some kernels (and need
 * CONFIG_BPF_LSM), so everything comes from tracepoints:
 *   - files: sys_exit of the open family. The fd the call returned is
 *     looked up in the task's table and its struct path walked up to the
 *     namespace's root (what d_path does, fs/d_path.c prepend_path), so
 *     the path is the resolved one AppArmor mediates (symlinks followed),
 *     as the process's mount namespace shows it;
 *   - libraries: sys_enter of mmap with PROT_EXEC and an fd, walked alike;
 *   - executables: the binary sched_process_exec loaded (bprm->file),
 *     walked alike: AppArmor mediates the exec of that file, not of the
 *     name passed to execve (a symlink such as /bin/sh -> busybox);
 *   - sockets: sys_enter of socket(2), from its family and type;
 *   - capabilities: the capability/cap_capable tracepoint (Linux 6.14,
 *     include/trace/events/capability.h), when it granted the capability:
 *     security_capable runs commoncap first and stops at its refusal
 *     (security/security.c), so a capability the task lacks never reaches
 *     AppArmor and needs no rule.
 * A profile applies from the exec that loads it (runc writes it to
 * /proc/self/attr/exec before exec'ing the entrypoint), so a record holds
 * accesses only from its first exec on: the runtime's own work in the new
 * namespace (mounts, setuid, /proc writes) is not the workload's.
 *
 * Each file reaches user space once per record and access kind while the
 * LRU `accesses_seen` remembers it (keyed by dentry and inode, not path:
 * hashing a path here would cost a walk per open).
 */

#include "apparmor_net.h"

const volatile bool record_apparmor = 0;
/* Set with record_apparmor where the kernel has bpf_loop (file events). */
const volatile bool record_files = 0;

/* include/uapi/asm-generic/mman-common.h, include/uapi/linux/stat.h */
#define PROT_EXEC 4
#define MAP_ANONYMOUS 0x20
#define S_IFMT 00170000
#define S_IFDIR 0040000

/* Syscall numbers: arch/x86/entry/syscalls/syscall_64.tbl and
 * include/uapi/asm-generic/unistd.h (arm64 has no open or creat). */
#if defined(__TARGET_ARCH_x86)
#define NR_open 2
#define NR_creat 85
#define NR_openat 257
#define NR_open_by_handle_at 304
#define NR_openat2 437
#define NR_socket 41
#define NR_mmap 9
#define SYSCALL_ARG(regs, n) ((n) == 0 ? (regs)->di : (n) == 1 ? (regs)->si : (regs)->dx)
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_open -1
#define NR_creat -1
#define NR_openat 56
#define NR_open_by_handle_at 265
#define NR_openat2 437
#define NR_socket 198
#define NR_mmap 222
#define SYSCALL_ARG(regs, n) ((regs)->regs[n])
#define SYSCALL_NR(regs) ((regs)->syscallno)
#endif

/* Access kinds (struct access_event.kind), mirrored in user space. */
#define ACCESS_READ 1
#define ACCESS_WRITE 2
#define ACCESS_LIBRARY 4
#define ACCESS_DIR 8
#define ACCESS_TRUNCATED 16 /* a component longer than ACCESS_NAME - 1 */
#define ACCESS_DEEP 32      /* more components than ACCESS_DEPTH */
#define ACCESS_DETACHED 64  /* the walk ended outside the namespace's tree */
#define ACCESS_EXEC 128     /* the binary an exec loaded */

#define ACCESS_DEPTH 16
#define ACCESS_NAME 128
/* Walk steps: components plus mount crossings. */
#define ACCESS_STEPS (ACCESS_DEPTH + 8)

struct access_event {
	u64 ns_id;
	u32 mntns;
	u32 born;
	u32 kind;
	u32 depth; /* components filled in names, leaf first */
	char names[ACCESS_DEPTH][ACCESS_NAME];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} accesses SEC(".maps");

struct access_key {
	u64 record; /* born key, or the tracked session */
	u64 dentry;
	u64 ino;
	u32 kind;
	u32 born;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct access_key);
	__type(value, u8);
} accesses_seen SEC(".maps");

/* The record to add AppArmor data to, or NULL before its first exec. */
static __always_inline struct syscall_bitmap *apparmor_record(u32 *is_born, struct mnt_namespace **mnt)
{
	struct syscall_bitmap *bm;

	*mnt = mntns_of(bpf_get_current_task_btf());
	if (!*mnt)
		return 0;
	bm = bitmap_of(*mnt, is_born);
	if (!bm || !bm->apparmor_armed)
		return 0;
	return bm;
}

static __always_inline struct file *file_of_fd(u32 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = 0;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline struct mount *real_mount(struct vfsmount *vm)
{
	return (void *)vm - bpf_core_field_offset(struct mount, mnt);
}

/* The event is built here, then copied into the ring buffer: bpf_loop's
 * callback reaches it by map lookup, as it cannot hold a reservation. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct access_event);
} access_scratch SEC(".maps");

struct walk {
	struct dentry *d;
	struct vfsmount *vm;
	u32 n;
	u32 kind;
};

/* One step of the walk up from a file to its namespace's root (fs/d_path.c
 * prepend_path): a component, or a crossing to the parent mount at a
 * mount's root. A loop unrolled in place makes the verifier explore every
 * combination of steps; bpf_loop (Linux 5.17) verifies one. */
static long walk_step(u64 i, struct walk *w)
{
	/* Locals, not w->...: BPF_CORE_READ would relocate the access to
	 * struct walk too, a type the kernel does not have. */
	struct dentry *d = w->d, *up;
	struct vfsmount *vm = w->vm;
	struct mount *m = real_mount(vm), *parent;
	struct access_event *ev;
	u32 zero = 0;
	long len;

	if (d == BPF_CORE_READ(vm, mnt_root)) {
		parent = BPF_CORE_READ(m, mnt_parent);
		if (parent == m)
			return 1; /* the namespace's root */
		w->d = BPF_CORE_READ(m, mnt_mountpoint);
		w->vm = __builtin_preserve_access_index(&parent->mnt);
		return 0;
	}
	up = BPF_CORE_READ(d, d_parent);
	if (up == d) {
		w->kind |= ACCESS_DETACHED;
		return 1;
	}
	if (w->n >= ACCESS_DEPTH) {
		w->kind |= ACCESS_DEEP;
		return 1;
	}
	ev = bpf_map_lookup_elem(&access_scratch, &zero);
	if (!ev)
		return 1;
	len = bpf_probe_read_kernel_str(ev->names[w->n & (ACCESS_DEPTH - 1)], ACCESS_NAME,
					BPF_CORE_READ(d, d_name.name));
	if (len == ACCESS_NAME)
		w->kind |= ACCESS_TRUNCATED;
	w->n++;
	w->d = up;
	if (i == ACCESS_STEPS - 1)
		w->kind |= ACCESS_DEEP;
	return 0;
}

/* Sends f's path once per record and kind. */
static __always_inline void record_file(struct syscall_bitmap *bm, u32 is_born,
					struct mnt_namespace *mnt, struct file *f, u32 kind)
{
	struct access_key key = {};
	struct access_event *ev;
	struct walk w = {};
	struct dentry *d;
	struct inode *ino;
	u32 zero = 0;
	u8 one = 1;

	d = BPF_CORE_READ(f, f_path.dentry);
	ino = BPF_CORE_READ(d, d_inode);
	if (!d || !ino)
		return;
	if ((BPF_CORE_READ(ino, i_mode) & S_IFMT) == S_IFDIR)
		kind |= ACCESS_DIR;
	key.record = is_born ? born_key(mnt, mnt->ns.inum) : bm->session;
	key.born = is_born;
	key.dentry = (u64)d;
	key.ino = BPF_CORE_READ(ino, i_ino);
	key.kind = kind;
	if (bpf_map_update_elem(&accesses_seen, &key, &one, BPF_NOEXIST))
		return; /* sent before (or the map failed: nothing better to do) */
	ev = bpf_map_lookup_elem(&access_scratch, &zero);
	if (!ev)
		return;
	w.d = d;
	w.vm = BPF_CORE_READ(f, f_path.mnt);
	w.kind = kind;
	bpf_loop(ACCESS_STEPS, walk_step, &w, 0);
	ev->ns_id = is_born ? key.record : bm->ns_id;
	ev->mntns = mnt->ns.inum;
	ev->born = is_born;
	ev->kind = w.kind;
	ev->depth = w.n;
	if (bpf_ringbuf_output(&accesses, ev, sizeof(*ev), 0)) {
		bpf_map_delete_elem(&accesses_seen, &key); /* send it next time */
		__sync_fetch_and_add(&bm->access_lost, 1);
	}
}

/* Called by sys_enter for recorded namespaces: sockets and mappings. */
static __always_inline void apparmor_sys_enter(struct pt_regs *regs, u32 nr)
{
	struct mnt_namespace *mnt;
	struct syscall_bitmap *bm;
	struct file *f;
	u32 is_born;
	u64 bits, flags;
	long fd;

	if (nr != NR_socket && nr != NR_mmap)
		return;
	bm = apparmor_record(&is_born, &mnt);
	if (!bm)
		return;
	if (nr == NR_socket) {
		bits = net_bits(SYSCALL_ARG(regs, 0), SYSCALL_ARG(regs, 1));
		if (bits && (bm->net & bits) != bits)
			__sync_fetch_and_or(&bm->net, bits);
		return;
	}
	if (!record_files)
		return;
	/* mmap(addr, len, prot, flags, fd, off), read as the registers the
	 * kernel passes them in. An anonymous mapping ignores fd, which a
	 * caller may leave at 0 (mm/mmap.c ksys_mmap_pgoff). */
	if (!(SYSCALL_ARG(regs, 2) & PROT_EXEC))
		return;
#if defined(__TARGET_ARCH_x86)
	flags = regs->r10;
	fd = (int)regs->r8;
#else
	flags = regs->regs[3];
	fd = (int)regs->regs[4];
#endif
	if ((flags & MAP_ANONYMOUS) || fd < 0)
		return;
	f = file_of_fd(fd);
	if (f)
		record_file(bm, is_born, mnt, f, ACCESS_READ | ACCESS_LIBRARY);
}

static __always_inline bool is_open(long nr)
{
	return nr == NR_openat || nr == NR_openat2 || nr == NR_open ||
	       nr == NR_creat || nr == NR_open_by_handle_at;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_apparmor, struct pt_regs *regs, long ret)
{
	struct mnt_namespace *mnt;
	struct syscall_bitmap *bm;
	struct file *f;
	u32 is_born, mode;

	if (ret < 0 || !is_open(SYSCALL_NR(regs)))
		return 0;
	bm = apparmor_record(&is_born, &mnt);
	if (!bm)
		return 0;
	f = file_of_fd(ret);
	if (!f)
		return 0;
	mode = BPF_CORE_READ(f, f_mode) & (ACCESS_READ | ACCESS_WRITE);
	if (mode)
		record_file(bm, is_born, mnt, f, mode);
	return 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_capable_apparmor, const void *cred, void *target_ns,
	     const void *capable_ns, int cap, int ret)
{
	struct mnt_namespace *mnt;
	struct syscall_bitmap *bm;
	u32 is_born;
	u64 bit;

	if (ret != 0 || cap < 0 || cap >= 64)
		return 0;
	bm = apparmor_record(&is_born, &mnt);
	if (!bm)
		return 0;
	bit = 1ULL << cap;
	if (!(bm->caps & bit))
		__sync_fetch_and_or(&bm->caps, bit);
	return 0;
}
