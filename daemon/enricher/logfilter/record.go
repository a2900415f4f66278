package logfilter

import "strconv"

// Record types, as in the log line's "type" (lower case, as SPO logs them).
const (
	TypeSeccomp  = "seccomp"
	TypeSelinux  = "selinux"
	TypeAppArmor = "apparmor"
)

// Record is one attributed audit record, as filters see it: the fields of
// its log line.
type Record struct {
	Type                                                     string
	Node, Namespace, Pod, Container, ContainerID, Executable string
	PID                                                      int64
	// Seccomp: Syscall is the name ("" when it has none).
	SyscallID             int64
	Syscall, Arch, Action string
	// SELinux.
	Perm, SContext, TContext, TClass string
	// AppArmor.
	AppArmor, Operation, Profile, Name string
}

// syscallLabel is the syscall name, or the number when it has none.
func (r *Record) syscallLabel() string {
	if r.Syscall == "" && r.Type == TypeSeccomp {
		return strconv.FormatInt(r.SyscallID, 10)
	}
	return r.Syscall
}

// key is a log line field an SPO rule can match.
type key uint8

const (
	keyType key = iota
	keyNode
	keyNamespace
	keyPod
	keyContainer
	keyContainerID
	keyExecutable
	keyPID
	keySyscallID
	keySyscallName
	keyArch
	keyAction
	keyPerm
	keySContext
	keyTContext
	keyTClass
	keyAppArmor
	keyOperation
	keyProfile
	keyName
)

// Keys are the matchKeys SPO rules may use: the log line's field names
// (SPO's, and spo's own where they differ: syscall = syscallName), each
// with the record type that has it ("" for every record).
var Keys = map[string]struct {
	k    key
	only string
}{
	"type": {keyType, ""}, "node": {keyNode, ""}, "namespace": {keyNamespace, ""}, "pod": {keyPod, ""},
	"container": {keyContainer, ""}, "containerID": {keyContainerID, ""}, "executable": {keyExecutable, ""},
	"pid":       {keyPID, ""},
	"syscallID": {keySyscallID, TypeSeccomp}, "syscallName": {keySyscallName, TypeSeccomp},
	"syscall": {keySyscallName, TypeSeccomp}, "arch": {keyArch, TypeSeccomp}, "action": {keyAction, TypeSeccomp},
	"perm": {keyPerm, TypeSelinux}, "scontext": {keySContext, TypeSelinux}, "tcontext": {keyTContext, TypeSelinux},
	"tclass":   {keyTClass, TypeSelinux},
	"apparmor": {keyAppArmor, TypeAppArmor}, "operation": {keyOperation, TypeAppArmor},
	"profile": {keyProfile, TypeAppArmor}, "name": {keyName, TypeAppArmor},
}

// numeric keys compare as numbers, as SPO compares them.
func (k key) numeric() bool { return k == keyPID || k == keySyscallID }

// text is the record's value of a string key.
func (r *Record) text(k key) string {
	switch k {
	case keyType:
		return r.Type
	case keyNode:
		return r.Node
	case keyNamespace:
		return r.Namespace
	case keyPod:
		return r.Pod
	case keyContainer:
		return r.Container
	case keyContainerID:
		return r.ContainerID
	case keyExecutable:
		return r.Executable
	case keySyscallName:
		return r.Syscall
	case keyArch:
		return r.Arch
	case keyAction:
		return r.Action
	case keyPerm:
		return r.Perm
	case keySContext:
		return r.SContext
	case keyTContext:
		return r.TContext
	case keyTClass:
		return r.TClass
	case keyAppArmor:
		return r.AppArmor
	case keyOperation:
		return r.Operation
	case keyProfile:
		return r.Profile
	case keyName:
		return r.Name
	}
	return ""
}

// number is the record's value of a numeric key.
func (r *Record) number(k key) int64 {
	if k == keyPID {
		return r.PID
	}
	return r.SyscallID
}
