package seccomp

import (
	"fmt"
	"syscall"

	"github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// archNative is the OCI spelling of "the kernel's own architecture".
const archNative specs.Arch = "SCMP_ARCH_NATIVE"

// maxErrno is the largest errno the kernel passes back from a seccomp filter
// (MAX_ERRNO); the API refuses larger values too.
const maxErrno = 4095

// archs maps the OCI names to libseccomp's. An explicit table, rather than
// lower-casing the suffix for libseccomp.GetArchFromString, keeps aliases such
// as "SCMP_ARCH_AMD64" out: runtimes would refuse them.
var archs = map[specs.Arch]libseccomp.ScmpArch{
	archNative:            libseccomp.ArchNative,
	specs.ArchX86:         libseccomp.ArchX86,
	specs.ArchX86_64:      libseccomp.ArchAMD64,
	specs.ArchX32:         libseccomp.ArchX32,
	specs.ArchARM:         libseccomp.ArchARM,
	specs.ArchAARCH64:     libseccomp.ArchARM64,
	specs.ArchMIPS:        libseccomp.ArchMIPS,
	specs.ArchMIPS64:      libseccomp.ArchMIPS64,
	specs.ArchMIPS64N32:   libseccomp.ArchMIPS64N32,
	specs.ArchMIPSEL:      libseccomp.ArchMIPSEL,
	specs.ArchMIPSEL64:    libseccomp.ArchMIPSEL64,
	specs.ArchMIPSEL64N32: libseccomp.ArchMIPSEL64N32,
	specs.ArchPPC:         libseccomp.ArchPPC,
	specs.ArchPPC64:       libseccomp.ArchPPC64,
	specs.ArchPPC64LE:     libseccomp.ArchPPC64LE,
	specs.ArchS390:        libseccomp.ArchS390,
	specs.ArchS390X:       libseccomp.ArchS390X,
	specs.ArchPARISC:      libseccomp.ArchPARISC,
	specs.ArchPARISC64:    libseccomp.ArchPARISC64,
	specs.ArchRISCV64:     libseccomp.ArchRISCV64,
	specs.ArchLOONGARCH64: libseccomp.ArchLOONGARCH64,
	specs.ArchM68K:        libseccomp.ArchM68K,
	specs.ArchSH:          libseccomp.ArchSH,
	specs.ArchSHEB:        libseccomp.ArchSHEB,
}

var actions = map[specs.LinuxSeccompAction]libseccomp.ScmpAction{
	// SCMP_ACT_KILL predates KILL_PROCESS and has always killed only the
	// thread; runc maps it the same way.
	specs.ActKill:        libseccomp.ActKillThread,
	specs.ActKillThread:  libseccomp.ActKillThread,
	specs.ActKillProcess: libseccomp.ActKillProcess,
	specs.ActTrap:        libseccomp.ActTrap,
	specs.ActErrno:       libseccomp.ActErrno,
	specs.ActTrace:       libseccomp.ActTrace,
	specs.ActAllow:       libseccomp.ActAllow,
	specs.ActLog:         libseccomp.ActLog,
	specs.ActNotify:      libseccomp.ActNotify,
}

var operators = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

// flagTSYNC is not among runtime-spec's constants because runtimes always
// synchronise threads, but the API accepts it.
const flagTSYNC specs.LinuxSeccompFlag = "SECCOMP_FILTER_FLAG_TSYNC"

// parseArch returns libseccomp's architecture for an OCI name, with
// SCMP_ARCH_NATIVE resolved to the architecture the kernel runs.
func parseArch(a specs.Arch) (libseccomp.ScmpArch, error) {
	arch, ok := archs[a]
	if !ok {
		return libseccomp.ArchInvalid, fmt.Errorf("unknown architecture %q", a)
	}
	if arch != libseccomp.ArchNative {
		return arch, nil
	}
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return libseccomp.ArchInvalid, fmt.Errorf("finding the native architecture: %w", err)
	}
	return native, nil
}

// archName returns the OCI name of a libseccomp architecture, for messages.
func archName(a libseccomp.ScmpArch) string {
	for name, arch := range archs {
		if arch == a && name != archNative {
			return string(name)
		}
	}
	return a.String()
}

// action returns libseccomp's action for an OCI action and errno, as a typed
// error naming actionField or errnoField. ERRNO and TRACE without errnoRet
// return EPERM, as runc does, so a profile behaves the same whether the
// runtime or spoc loads it.
func action(a specs.LinuxSeccompAction, errnoRet *uint, actionField, errnoField string) (libseccomp.ScmpAction, error) {
	act, ok := actions[a]
	if !ok {
		return libseccomp.ActInvalid, &Error{Reason: ReasonInvalidAction, Field: actionField,
			Message: fmt.Sprintf("unknown action %q", a)}
	}
	if act != libseccomp.ActErrno && act != libseccomp.ActTrace {
		if errnoRet != nil {
			return libseccomp.ActInvalid, &Error{Reason: ReasonInvalidAction, Field: errnoField,
				Message: fmt.Sprintf("only %s and %s take an errno, not %s", specs.ActErrno, specs.ActTrace, a)}
		}
		return act, nil
	}
	code := uint(syscall.EPERM)
	if errnoRet != nil {
		code = *errnoRet
	}
	if code > maxErrno {
		return libseccomp.ActInvalid, &Error{Reason: ReasonInvalidAction, Field: errnoField,
			Message: fmt.Sprintf("errno %d is larger than %d", code, maxErrno)}
	}
	return act.SetReturnCode(int16(code)), nil
}

// condition turns an OCI argument comparison into a libseccomp condition.
// For SCMP_CMP_MASKED_EQ the OCI value is the mask and valueTwo the expected
// result, which is the order libseccomp wants.
func condition(arg specs.LinuxSeccompArg) (libseccomp.ScmpCondition, error) {
	op, ok := operators[arg.Op]
	if !ok {
		return libseccomp.ScmpCondition{}, fmt.Errorf("unknown operator %q", arg.Op)
	}
	if op == libseccomp.CompareMaskedEqual {
		return libseccomp.MakeCondition(arg.Index, op, arg.Value, arg.ValueTwo)
	}
	return libseccomp.MakeCondition(arg.Index, op, arg.Value)
}
