package recording

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Annotation key prefixes, followed by the container name. They are part of
// the API (DESIGN.md §3): the node recorders look for exactly these.
const (
	// PrefixBpf records a SeccompProfile with the eBPF recorder.
	PrefixBpf = "io.containers.trace-bpf/"
	// PrefixLogs records a SeccompProfile from kernel audit records.
	PrefixLogs = "io.containers.trace-logs/"
	// PrefixAvcs records a SelinuxProfile from kernel AVC records.
	PrefixAvcs = "io.containers.trace-avcs/"
	// PrefixBpfAppArmor records an AppArmorProfile with the eBPF recorder.
	PrefixBpfAppArmor = "io.containers.trace-bpf-apparmor/"
)

// reservedPrefixes are the keys only this webhook may set. None is a prefix
// of another ("trace-bpf/" vs "trace-bpf-apparmor/"), so a key has at most
// one of them.
var reservedPrefixes = []string{PrefixBpf, PrefixLogs, PrefixAvcs, PrefixBpfAppArmor}

// errNoPrefix is returned for a kind/recorder pair nothing can record.
var errNoPrefix = errors.New("cannot be recorded")

// prefixFor returns the annotation prefix for what a recording records.
func prefixFor(kind v1.ProfileRecordingKind, recorder v1.ProfileRecorder) (string, error) {
	switch {
	case kind == v1.RecordingSeccompProfile && recorder == v1.RecorderBpf:
		return PrefixBpf, nil
	case kind == v1.RecordingSeccompProfile && recorder == v1.RecorderLogs:
		return PrefixLogs, nil
	case kind == v1.RecordingSelinuxProfile && recorder == v1.RecorderLogs:
		return PrefixAvcs, nil
	case kind == v1.RecordingAppArmorProfile && recorder == v1.RecorderBpf:
		return PrefixBpfAppArmor, nil
	}
	return "", fmt.Errorf("kind %q %w with recorder %q", kind, errNoPrefix, recorder)
}

// IsAnnotationKey reports whether key is a recording annotation's key (it
// starts with one of the Prefix constants), whether or not its value
// parses. The node recorder and the manager's pod cache keep exactly these.
func IsAnnotationKey(key string) bool { return reservedPrefix(key) != "" }

// reservedPrefix returns the reserved prefix key starts with, or "".
func reservedPrefix(key string) string {
	for _, p := range reservedPrefixes {
		if strings.HasPrefix(key, p) {
			return p
		}
	}
	return ""
}

// Annotation is one recording annotation on a pod: the key names the
// container, the value the recording and this pod's replica (nonce, time).
type Annotation struct {
	Prefix    string // one of the Prefix constants
	Container string
	Recording string
	Nonce     string
	Unix      int64 // admission time, seconds
}

// valueSep cannot occur in recording (DNS subdomain) or container (DNS
// label) names, so values split unambiguously.
const valueSep = "_"

// Key is the annotation key: prefix and container name.
func (a Annotation) Key() string { return a.Prefix + a.Container }

// Value is "<recording>_<container>_<nonce>_<unix-seconds>".
func (a Annotation) Value() string {
	return strings.Join([]string{a.Recording, a.Container, a.Nonce, strconv.FormatInt(a.Unix, 10)}, valueSep)
}

// ParseAnnotation reads a recording annotation back. It accepts exactly what
// Key and Value produce, so a hand-written look-alike never parses into
// something the webhook would not have written.
func ParseAnnotation(key, value string) (Annotation, error) {
	a := Annotation{Prefix: reservedPrefix(key)}
	if a.Prefix == "" {
		return Annotation{}, fmt.Errorf("annotation %q: not a recording annotation", key)
	}
	a.Container = key[len(a.Prefix):]
	parts := strings.Split(value, valueSep)
	if len(parts) != 4 {
		return Annotation{}, fmt.Errorf("annotation %q: value %q is not recording_container_nonce_time", key, value)
	}
	a.Recording, a.Nonce = parts[0], parts[2]
	unix, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return Annotation{}, fmt.Errorf("annotation %q: time: %w", key, err)
	}
	a.Unix = unix
	if err := a.check(parts[1]); err != nil {
		return Annotation{}, fmt.Errorf("annotation %q: %w", key, err)
	}
	if a.Value() != value {
		return Annotation{}, fmt.Errorf("annotation %q: value %q is not in canonical form", key, value)
	}
	return a, nil
}

// check validates the parts Value does not already constrain.
func (a Annotation) check(valueContainer string) error {
	switch {
	case a.Container == "":
		return errors.New("no container name")
	case valueContainer != a.Container:
		return fmt.Errorf("value names container %q", valueContainer)
	case a.Recording == "":
		return errors.New("no recording name")
	case !validNonce(a.Nonce):
		return fmt.Errorf("nonce %q is not %d lowercase alphanumerics", a.Nonce, nonceLength)
	}
	return nil
}
