package audit

import (
	"fmt"

	seccomp "github.com/seccomp/libseccomp-golang"
)

// arch is one AUDIT_ARCH_* value and its libseccomp counterpart.
type arch struct {
	name string
	scmp seccomp.ScmpArch
}

// arches maps AUDIT_ARCH_* (linux/audit.h) to SCMP_ARCH_*.
var arches = map[AuditArch]arch{
	0x40000003: {"SCMP_ARCH_X86", seccomp.ArchX86},
	0xc000003e: {"SCMP_ARCH_X86_64", seccomp.ArchAMD64},
	0x40000028: {"SCMP_ARCH_ARM", seccomp.ArchARM},
	0xc00000b7: {"SCMP_ARCH_AARCH64", seccomp.ArchARM64},
	0x00000008: {"SCMP_ARCH_MIPS", seccomp.ArchMIPS},
	0x80000008: {"SCMP_ARCH_MIPS64", seccomp.ArchMIPS64},
	0xa0000008: {"SCMP_ARCH_MIPS64N32", seccomp.ArchMIPS64N32},
	0x40000008: {"SCMP_ARCH_MIPSEL", seccomp.ArchMIPSEL},
	0xc0000008: {"SCMP_ARCH_MIPSEL64", seccomp.ArchMIPSEL64},
	0xe0000008: {"SCMP_ARCH_MIPSEL64N32", seccomp.ArchMIPSEL64N32},
	0x00000014: {"SCMP_ARCH_PPC", seccomp.ArchPPC},
	0x80000015: {"SCMP_ARCH_PPC64", seccomp.ArchPPC64},
	0xc0000015: {"SCMP_ARCH_PPC64LE", seccomp.ArchPPC64LE},
	0x00000016: {"SCMP_ARCH_S390", seccomp.ArchS390},
	0x80000016: {"SCMP_ARCH_S390X", seccomp.ArchS390X},
	0x0000000f: {"SCMP_ARCH_PARISC", seccomp.ArchPARISC},
	0x8000000f: {"SCMP_ARCH_PARISC64", seccomp.ArchPARISC64},
	0xc00000f3: {"SCMP_ARCH_RISCV64", seccomp.ArchRISCV64},
	0xc0000102: {"SCMP_ARCH_LOONGARCH64", seccomp.ArchLOONGARCH64},
	0x00000004: {"SCMP_ARCH_M68K", seccomp.ArchM68K},
	0x0000002a: {"SCMP_ARCH_SHEB", seccomp.ArchSHEB},
	0x4000002a: {"SCMP_ARCH_SH", seccomp.ArchSH},
}

// x32SyscallBit marks x32 syscalls, which the kernel reports under the
// x86_64 audit arch.
const x32SyscallBit = 0x40000000

func parseSeccomp(f fields) (*Seccomp, error) {
	p := &numParser{f: f}
	p.require("arch", "syscall")
	s := &Seccomp{
		Process:   process(p),
		Sig:       p.int("sig"),
		ArchAudit: AuditArch(p.uint("arch", 16, 32)),
		Syscall:   int64(p.int("syscall")),
		Compat:    p.int("compat"),
		IP:        p.uint("ip", 16, 64),
		Code:      uint32(p.uint("code", 16, 32)),
	}
	if p.err != nil {
		return nil, p.err
	}
	s.resolve()
	s.Action = actions[s.Code&retActionFull]
	return s, nil
}

// resolve names the arch and syscall with libseccomp. A failure is kept
// in SyscallError rather than failing the parse: the record is real, only
// its name is unknown to this libseccomp.
func (s *Seccomp) resolve() {
	a, ok := arches[s.ArchAudit]
	if !ok {
		s.SyscallError = fmt.Sprintf("unknown audit arch 0x%x", s.ArchAudit)
		return
	}
	s.Arch = a.name
	nr := s.Syscall
	if a.scmp == seccomp.ArchAMD64 && nr >= x32SyscallBit {
		a = arch{"SCMP_ARCH_X32", seccomp.ArchX32}
	}
	name, err := seccomp.ScmpSyscall(nr).GetNameByArch(a.scmp)
	if err != nil || name == "" {
		s.SyscallError = fmt.Sprintf("syscall %d unknown on %s", nr, a.name)
		return
	}
	s.SyscallName = name
}

// retActionFull masks a seccomp return value's action (SECCOMP_RET_ACTION_FULL).
const retActionFull = 0xffff0000

// actions names the SECCOMP_RET_* actions (linux/seccomp.h).
var actions = map[uint32]string{
	0x80000000: "SCMP_ACT_KILL_PROCESS",
	0x00000000: "SCMP_ACT_KILL_THREAD",
	0x00030000: "SCMP_ACT_TRAP",
	0x00050000: "SCMP_ACT_ERRNO",
	0x7fc00000: "SCMP_ACT_NOTIFY",
	0x7ff00000: "SCMP_ACT_TRACE",
	0x7ffc0000: "SCMP_ACT_LOG",
	0x7fff0000: "SCMP_ACT_ALLOW",
}
