package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	libseccomp "github.com/seccomp/libseccomp-golang"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/bpfrecorder"
	"github.com/secprofiles/spo/daemon/seccomp"
)

// recordHelper is the hidden subcommand "spoc record" re-executes itself as
// in the new mount namespace: spoc __record PATH ARGV..., with fd 3 the pipe
// it waits on until the namespace is tracked.
const recordHelper = "__record"

// recordOptions are record's flags.
type recordOptions struct {
	out, kind, name, baseList, btf string
	noBase                         bool
}

func runRecord(args []string) error {
	fs := newFlagSet("record", "-o profile.yaml [-t seccomp|raw-seccomp|apparmor|raw-apparmor|all] [--base-syscalls LIST | --no-base-syscalls] [--btf PATH|none] -- CMD ARGS")
	var o recordOptions
	fs.StringVar(&o.out, "o", "", "output file (required)")
	fs.StringVar(&o.kind, "t", "seccomp", "output type: seccomp (SeccompProfile manifest), raw-seccomp (OCI JSON), "+
		"apparmor (AppArmorProfile manifest), raw-apparmor (AppArmor policy text) or all (SeccompProfile and AppArmorProfile manifests in one file)")
	fs.StringVar(&o.name, "name", "", "metadata.name (default: from the -o file name)")
	fs.StringVar(&o.baseList, "base-syscalls", "", "comma-separated syscalls to add instead of the default base set")
	fs.BoolVar(&o.noBase, "no-base-syscalls", false, "add no base syscalls: the profile may not be replayable by a runtime or spoc run")
	fs.StringVar(&o.btf, "btf", "", "kernel BTF for the eBPF recorder (default "+bpfrecorder.DefaultBTFPath+
		", or the no-BTF recorder when it is missing); \"none\" forces the no-BTF recorder (classic tracepoints)")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if err := o.check(); err != nil {
		return err
	}
	return record(o, fs.Args())
}

func (o *recordOptions) check() error {
	switch {
	case o.out == "":
		return usageError("record needs -o FILE")
	case !slices.Contains(recordKinds, o.kind):
		return usageError("-t must be one of %s, not %q", strings.Join(recordKinds, ", "), o.kind)
	case o.noBase && o.baseList != "":
		return usageError("--base-syscalls and --no-base-syscalls exclude each other")
	}
	if o.name == "" {
		o.name = nameFromPath(o.out)
	}
	return nil
}

// record runs argv in a new mount namespace, recorded from its first
// execve, and writes the profile even when the command fails (its exit
// status is passed through): a failing run is still what the command did.
func record(o recordOptions, argv []string) error {
	arch, err := libseccomp.GetNativeArch()
	if err != nil {
		return err
	}
	kind, why := bpfrecorder.SelectRecorder(o.btf)
	aa := o.appArmor()
	rec, err := bpfrecorder.Load(bpfrecorder.Options{NoExecutables: !aa, AppArmor: aa, BTFPath: o.btf})
	if err != nil {
		return fmt.Errorf("loading the %s eBPF recorder (%s): %w", kind, why, err)
	}
	defer rec.Close()
	fmt.Fprintf(os.Stderr, "spoc: using the %s eBPF recorder: %s\n", rec.Kind(), why)
	for _, limit := range rec.AppArmorLimits() {
		fmt.Fprintf(os.Stderr, "spoc: warning: %s\n", limit)
	}
	start := time.Now()
	r, code, err := recordCommand(rec, argv, arch, aa)
	if err != nil {
		return err
	}
	recorded := len(r.syscalls)
	r.syscalls, err = addBase(o, r.syscalls, arch)
	if err != nil {
		return err
	}
	if err := writeRecorded(o, r, arch); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "spoc: recorded %d syscalls%s%s in %s, exit status %d; wrote %s\n",
		recorded, baseNote(o, len(r.syscalls)), r.appArmorNote(), time.Since(start).Round(time.Millisecond), code, o.out)
	return exitCode(code)
}

// recordCommand starts the helper in a new mount namespace, tracks the
// namespace, lets the helper exec the command, and collects the syscalls
// once the command has exited. Tracking a namespace of our own, rather than
// matching processes by name, keeps host processes out and children in.
func recordCommand(rec *bpfrecorder.Recorder, argv []string, arch libseccomp.ScmpArch, appArmor bool) (recording, int, error) {
	var r recording
	cmd, w, err := helperCommand(recordHelper, argv)
	if err != nil {
		return r, 0, err
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		w.Close()
		return r, 0, err
	}
	defer readyR.Close()
	cmd.ExtraFiles = append(cmd.ExtraFiles, readyW)
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	err = cmd.Start()
	cmd.ExtraFiles[0].Close()
	readyW.Close()
	if err != nil {
		w.Close()
		return r, 0, fmt.Errorf("starting %s in a new mount namespace (needs CAP_SYS_ADMIN): %w", argv[0], err)
	}
	mntns, err := trackChild(rec, argv[0], cmd.Process.Pid, readyR, w)
	if err != nil {
		_, _ = waitChild(cmd) // the helper exits when w is closed unwritten
		return r, 0, err
	}
	defer rec.Forget(mntns)
	code, err := waitChild(cmd)
	if err != nil {
		return r, 0, err
	}
	if r.syscalls, err = rec.Syscalls(mntns, arch); err != nil {
		return r, 0, fmt.Errorf("collecting the recorded syscalls: %w", err)
	}
	if appArmor {
		r.appArmor, err = collectAppArmor(rec, mntns)
	}
	return r, code, err
}

// trackChild waits until the helper has started (so its own start-up, a Go
// runtime's, is not recorded), tracks the helper's namespace and only then
// releases it to exec the command, so that nothing the command does is
// missed. On error it closes w without writing, which makes the helper exit.
func trackChild(rec *bpfrecorder.Recorder, name string, pid int, ready, w *os.File) (uint32, error) {
	defer w.Close()
	if n, _ := ready.Read(make([]byte, 1)); n != 1 {
		return 0, errors.New("the recording helper exited before it was ready")
	}
	mntns, err := bpfrecorder.MountNamespaceOf(pid)
	if err != nil {
		return 0, err
	}
	if err := rec.Track(mntns); err != nil {
		return 0, err
	}
	// Before the release, so the line comes before the command's output.
	fmt.Fprintf(os.Stderr, "spoc: recording %s (pid %d, mount namespace %d)\n", name, pid, mntns)
	if _, err := w.Write([]byte{1}); err != nil {
		rec.Forget(mntns)
		return 0, fmt.Errorf("releasing the command: %w", err)
	}
	return mntns, nil
}

// addBase adds the base syscalls the options ask for.
func addBase(o recordOptions, names []string, arch libseccomp.ScmpArch) ([]string, error) {
	switch {
	case o.noBase:
		return names, nil
	case o.baseList != "":
		base := parseSyscallList(o.baseList)
		if bad := slices.DeleteFunc(slices.Clone(base), func(n string) bool { return slices.Contains(nativeOnly([]string{n}, arch), n) }); len(bad) > 0 {
			return nil, fmt.Errorf("--base-syscalls: unknown syscalls on %s: %v", arch, bad)
		}
		return sortedUnion(append(names, base...)), nil
	}
	return sortedUnion(append(names, seccomp.RuntimeBase(string(archOCIName(arch)))...)), nil
}

func baseNote(o recordOptions, total int) string {
	if o.noBase {
		return " (no base syscalls added)"
	}
	return fmt.Sprintf(" (%d with base syscalls)", total)
}

// writeRecorded writes the profiles -t asks for.
func writeRecorded(o recordOptions, r recording, arch libseccomp.ScmpArch) error {
	var docs [][]byte
	if o.kind != "apparmor" && o.kind != "raw-apparmor" {
		data, err := seccompOutput(o, r.syscalls, arch)
		if err != nil {
			return err
		}
		docs = append(docs, data)
	}
	if o.appArmor() {
		data, err := appArmorOutput(o, r.appArmor)
		if err != nil {
			return err
		}
		docs = append(docs, data)
	}
	return os.WriteFile(filepath.Clean(o.out), bytes.Join(docs, []byte("---\n")), 0o644)
}

// seccompOutput is the seccomp profile: deny by default, allow what was
// seen.
func seccompOutput(o recordOptions, names []string, arch libseccomp.ScmpArch) ([]byte, error) {
	spec := &v1.SeccompProfileSpec{
		DefaultAction: v1.ActErrno,
		Architectures: []v1.SeccompArch{archOCIName(arch)},
		Syscalls:      []v1.SeccompSyscall{{Names: names, Action: v1.ActAllow}},
	}
	if err := seccomp.Validate(spec); err != nil {
		return nil, fmt.Errorf("recorded profile: %w", err)
	}
	if o.kind == "raw-seccomp" {
		return seccomp.MarshalOCI(spec)
	}
	return marshalManifest(newManifest(o.name, spec))
}

// archOCIName is the OCI name of the architectures spoc records on.
func archOCIName(a libseccomp.ScmpArch) v1.SeccompArch {
	switch a {
	case libseccomp.ArchAMD64:
		return "SCMP_ARCH_X86_64"
	case libseccomp.ArchARM64:
		return "SCMP_ARCH_AARCH64"
	}
	return "SCMP_ARCH_NATIVE"
}

// runRecordHelper says it is ready on fd 4, waits on fd 3 until spoc has
// tracked this process's mount namespace, then execs the command. Between
// the two, it makes only the read, a close and the execve (and whatever its
// runtime's threads do meanwhile), all of which a runner makes too.
func runRecordHelper(args []string) error {
	path, argv, err := helperArgs(args)
	if err != nil {
		return err
	}
	// Mounts the command makes stay in its namespace instead of
	// propagating back to the host's shared mounts, as in a container.
	if err := syscall.Mount("", "/", "", syscall.MS_SLAVE|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("making the command's mounts private: %w", err)
	}
	ready := os.NewFile(4, "ready")
	_, err = ready.Write([]byte{1})
	ready.Close()
	if err != nil {
		return err
	}
	release := os.NewFile(3, "release")
	var b [1]byte
	n, _ := release.Read(b[:])
	release.Close()
	if n != 1 {
		return errors.New("spoc could not start recording; not running the command")
	}
	return execOrExit(path, argv, "")
}
