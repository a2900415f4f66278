package audit

import "fmt"

// Kind is what an event is about.
type Kind string

const (
	KindSeccomp  Kind = "SECCOMP"
	KindSELinux  Kind = "SELINUX"
	KindAppArmor Kind = "APPARMOR"
)

// Record types as the kernel numbers them (auditd names them SECCOMP, AVC
// and USER_AVC).
const (
	TypeSeccomp = 1326
	TypeAVC     = 1400
	TypeUserAVC = 1107
)

// Event is one parsed audit record. Exactly one of Seccomp, AVC and
// AppArmor is set, matching Kind.
type Event struct {
	Kind       Kind      `json:"type"`
	RecordType int       `json:"recordType"`
	Stamp      Stamp     `json:"audit"`
	Seccomp    *Seccomp  `json:"seccomp,omitempty"`
	AVC        *AVC      `json:"avc,omitempty"`
	AppArmor   *AppArmor `json:"apparmor,omitempty"`
}

// Stamp is the record's audit(SEC.MSEC:SERIAL) identity; records of one
// event share it.
type Stamp struct {
	Seconds int64  `json:"seconds"`
	Millis  int    `json:"millis"`
	Serial  uint64 `json:"serial"`
}

// Process is who caused the record.
type Process struct {
	PID  int    `json:"pid"`
	UID  uint32 `json:"uid"`
	AUID uint32 `json:"auid"`
	Ses  uint32 `json:"ses"`
	Subj string `json:"subj,omitempty"`
	Comm string `json:"comm,omitempty"`
	Exe  string `json:"executable,omitempty"`
}

// Seccomp is a type=1326 record: a syscall a filter logged or acted on.
type Seccomp struct {
	Process
	Sig int `json:"sig"`
	// ArchAudit is the raw AUDIT_ARCH_* value; Arch its SCMP_ARCH_* name
	// ("" when libseccomp has no such architecture).
	ArchAudit AuditArch `json:"archAudit"`
	Arch      string    `json:"arch,omitempty"`
	Syscall   int64     `json:"syscall"`
	// SyscallName is empty and SyscallError says why when the number
	// cannot be resolved: a recorded profile must never contain "unknown".
	SyscallName  string `json:"syscallName,omitempty"`
	SyscallError string `json:"syscallError,omitempty"`
	Compat       int    `json:"compat"`
	IP           uint64 `json:"ip"`
	Code         uint32 `json:"code"`
	// Action is the SCMP_ACT_* name of Code's action bits.
	Action string `json:"action,omitempty"`
}

// AVC is an SELinux access decision (type=1400 AVC or 1107 USER_AVC).
type AVC struct {
	Process
	Denied      bool     `json:"denied"`
	Permissions []string `json:"permissions"`
	SContext    string   `json:"scontext"`
	TContext    string   `json:"tcontext"`
	TClass      string   `json:"tclass"`
	Permissive  bool     `json:"permissive"`
}

// AppArmor is an AppArmor decision (type=1400, or 1107 from userspace
// mediators such as dbus).
type AppArmor struct {
	PID  int    `json:"pid"`
	Comm string `json:"comm,omitempty"`
	// Result is the apparmor= value: DENIED, ALLOWED, AUDIT, STATUS, ...
	Result        string `json:"result"`
	Operation     string `json:"operation"`
	Profile       string `json:"profile,omitempty"`
	Name          string `json:"name,omitempty"`
	RequestedMask string `json:"requestedMask,omitempty"`
	DeniedMask    string `json:"deniedMask,omitempty"`
	// Capability is capname= of operation "capable" (sys_admin, net_raw).
	Capability string `json:"capability,omitempty"`
	// Family, SockType and Protocol are family=, sock_type= and
	// protocol= of network operations (create, connect, ...): inet,
	// stream, 6.
	Family   string `json:"family,omitempty"`
	SockType string `json:"sockType,omitempty"`
	Protocol int    `json:"protocol,omitempty"`
}

// AuditArch is an AUDIT_ARCH_* value. It is shown in hex, as audit
// records and linux/audit.h write it.
type AuditArch uint32

// MarshalJSON writes the arch as a hex string such as "c000003e".
func (a AuditArch) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(`"%x"`, uint32(a))), nil
}
