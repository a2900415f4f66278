package bpfrecorder

import (
	"errors"
	"fmt"

	"github.com/secprofiles/spo/daemon/containerid"

	seccomp "github.com/seccomp/libseccomp-golang"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// statusOf turns a recorder error into a gRPC status, so clients can tell
// "ask again later" (Unavailable) from "you asked for something that does
// not exist" (NotFound) without parsing messages.
func statusOf(err error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...) + ": " + err.Error()
	var unresolved *UnresolvedError
	switch {
	case errors.Is(err, containerid.ErrNoProcesses), errors.Is(err, ErrNotRecorded), errors.Is(err, ErrNoSyscallSeen):
		return status.Error(codes.NotFound, msg)
	case errors.Is(err, ErrHostNS):
		return status.Error(codes.FailedPrecondition, msg)
	case errors.Is(err, ErrNoBTF), errors.Is(err, ErrNoTpBTF), errors.Is(err, ErrPermission),
		errors.Is(err, ErrNoTracefs), errors.Is(err, ErrTracepoint),
		errors.Is(err, ErrRecorderShut), errors.Is(err, ErrNotRecordingNew):
		return status.Error(codes.Unavailable, msg)
	case errors.As(err, &unresolved):
		// The kernel recorded numbers libseccomp cannot name: a profile
		// without them would be wrong, so this is not a partial success.
		return status.Error(codes.DataLoss, msg)
	}
	return status.Error(codes.Internal, msg)
}

// ociArchs names libseccomp's architectures as profiles do.
var ociArchs = map[seccomp.ScmpArch]string{
	seccomp.ArchX86:     "SCMP_ARCH_X86",
	seccomp.ArchAMD64:   "SCMP_ARCH_X86_64",
	seccomp.ArchX32:     "SCMP_ARCH_X32",
	seccomp.ArchARM:     "SCMP_ARCH_ARM",
	seccomp.ArchARM64:   "SCMP_ARCH_AARCH64",
	seccomp.ArchPPC64LE: "SCMP_ARCH_PPC64LE",
	seccomp.ArchS390X:   "SCMP_ARCH_S390X",
	seccomp.ArchRISCV64: "SCMP_ARCH_RISCV64",
}

// nativeArch is the architecture processes on this node run as, in
// libseccomp's and in the profiles' spelling.
func nativeArch() (seccomp.ScmpArch, string, error) {
	arch, err := seccomp.GetNativeArch()
	if err != nil {
		return seccomp.ArchInvalid, "", fmt.Errorf("finding the native architecture: %w", err)
	}
	name, ok := ociArchs[arch]
	if !ok {
		return arch, "", fmt.Errorf("architecture %s has no SCMP_ARCH_ name here", arch)
	}
	return arch, name, nil
}
