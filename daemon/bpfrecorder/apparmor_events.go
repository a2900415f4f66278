package bpfrecorder

import (
	"bytes"
	"encoding/binary"
	"regexp"
	"strings"

	"github.com/secprofiles/spo/daemon/apparmor"
)

// Access bits of a file event (ACCESS_* in bpf/recorder_apparmor.h).
const (
	AccessRead    uint8 = 1
	AccessWrite   uint8 = 2
	AccessLibrary uint8 = 4 // mapped executable (a shared library)
	accessDir     uint8 = 8
	accessTrunc   uint8 = 16  // a component was cut at accessNameLen-1 bytes
	accessDeep    uint8 = 32  // more components than accessDepth
	accessOutside uint8 = 64  // the walk ended outside the namespace's tree
	AccessExec    uint8 = 128 // the binary an exec loaded (symlinks resolved)
)

const (
	accessDepth   = 16
	accessNameLen = 128
)

// accessEvent mirrors struct access_event in bpf/recorder_apparmor.h.
type accessEvent struct {
	NsID  uint64
	MntNS uint32
	Born  uint32
	Kind  uint32
	Depth uint32
	Names [accessDepth][accessNameLen]byte
}

func (ev *accessEvent) key() execKey {
	if ev.Born != 0 {
		return bornKey(ev.NsID)
	}
	return trackedKey(ev.MntNS)
}

func parseAccessEvent(raw []byte) (accessEvent, bool) {
	var ev accessEvent
	if len(raw) < binary.Size(ev) {
		return ev, false
	}
	err := binary.Read(bytes.NewReader(raw), binary.NativeEndian, &ev)
	return ev, err == nil
}

// policyPath turns an event's components (leaf first) into an AppArmor
// path rule: literal names escaped, what the kernel could not give whole
// widened by globs, and per-process names generalised. "" for a file with
// no path the profile could name (outside the namespace's tree: a deleted
// file, or one reached through another namespace).
func (ev *accessEvent) policyPath() (string, uint8) {
	kind := uint8(ev.Kind)
	if kind&accessOutside != 0 {
		return "", 0
	}
	depth := min(int(ev.Depth), accessDepth)
	parts := make([]string, 0, depth+1)
	if kind&accessDeep != 0 {
		parts = append(parts, "**") // the components above the deepest 16
	}
	for i := depth - 1; i >= 0; i-- {
		name, _, _ := bytes.Cut(ev.Names[i][:], []byte{0})
		part := escapeName(string(name))
		if kind&accessTrunc != 0 && len(name) == accessNameLen-1 {
			part += "*"
		}
		parts = append(parts, part)
	}
	path := generalise("/" + strings.Join(parts, "/"))
	if kind&accessDir != 0 && path != "/" {
		path += "/"
	}
	return path, kind & (AccessRead | AccessWrite | AccessLibrary | AccessExec)
}

// escapeName makes a file name a literal in an AppArmor path: glob and
// rule characters are escaped (apparmor.EscapePath), and bytes no policy
// path may hold (control characters, '"') become '?', which matches any
// one character but '/'.
func escapeName(name string) string {
	segments := splitKeep(name)
	for i, seg := range segments {
		p, _ := apparmor.EscapePath("/" + seg) // cannot fail: absolute, no bad bytes
		segments[i] = string(p)[1:]
	}
	return strings.Join(segments, "?")
}

func unexpressible(c byte) bool { return c < 0x20 || c == 0x7f || c == '"' }

// splitKeep splits name at every unexpressible byte, keeping empty parts
// (one '?' per byte replaced).
func splitKeep(name string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(name); i++ {
		if unexpressible(name[i]) {
			parts = append(parts, name[start:i])
			start = i + 1
		}
	}
	return append(parts, name[start:])
}

// procPID matches /proc/<pid> and /proc/<pid>/task/<tid>: the numbers are
// the recorded processes', never those of a later run.
var procPID = regexp.MustCompile(`^/proc/[0-9]+(/task/[0-9]+)?(/|$)`)

func generalise(path string) string {
	m := procPID.FindStringSubmatchIndex(path)
	if m == nil {
		return path
	}
	out := "/proc/[0-9]*"
	if m[2] >= 0 {
		out += "/task/[0-9]*"
	}
	return out + path[m[4]:]
}
