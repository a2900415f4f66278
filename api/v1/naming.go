package v1

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Object names derived from other names must stay within Kubernetes' limits
// (253 bytes for a name, 63 for the name part of a finalizer) however long
// the profile and node names are, and must stay unique. Names that fit are
// kept readable; longer ones are cut and suffixed with a hash of the whole.

const (
	maxNameLength      = 253
	maxQualifiedSuffix = 63
	maxLabelValue      = 63
	hashLength         = 10
)

// NodeStatusName is the name of the SecurityProfileNodeStatus a node keeps
// for a profile: "<profile>-<node>" for a SeccompProfile, as in SPO, and
// "<profile>-<node>-<kind>" ("-selinuxprofile", "-apparmorprofile", ...)
// for the other kinds, so that profiles of different kinds with the same
// name keep separate reports. Names built from contrived profile and node
// names can still meet; the node reporter refuses a report that belongs to
// another profile rather than overwrite it.
func NodeStatusName(kind, profile, node string) string {
	name := profile + "-" + node
	if kind != "SeccompProfile" {
		name += "-" + strings.ToLower(kind)
	}
	return fitName(name, maxNameLength)
}

// NodeFinalizer is the finalizer a node puts on a profile so the profile is
// not removed before the node has deleted its files.
func NodeFinalizer(node string) string {
	return NodeFinalizerPrefix + fitName(node, maxQualifiedSuffix)
}

// ProfileID is the LabelProfileID value of a profile's node statuses:
// "<kind>-<profile>" as in SPO, cut and hashed past 63 characters.
func ProfileID(kind, profile string) string {
	return LabelValue(kind + "-" + profile)
}

// LabelValue fits a name (a node's, say) into a label value. Names are DNS
// subdomains, so only the length can be wrong; the hash suffix ends the
// value with a letter or digit as label values must.
func LabelValue(name string) string {
	return fitName(name, maxLabelValue)
}

func fitName(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:limit-hashLength-1] + "-" + hex.EncodeToString(sum[:])[:hashLength]
}
