package kubeletdir

import (
	"fmt"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	v1 "github.com/secprofiles/spo/api/v1"
)

const (
	// Default is the kubelet's own default root directory.
	Default = "/var/lib/kubelet"
	// LabelDirectoryLocation is the Security Profiles Operator's Node
	// label naming a custom kubelet root directory, "/" spelled "-".
	LabelDirectoryLocation = "kubelet.kubernetes.io/directory-location"
	// AnnotationKubeletDir is spo's Node annotation naming the kubelet root
	// directory as an absolute path (label values cannot hold "/").
	AnnotationKubeletDir = v1.AnnotationKubeletDir
	// lastElem is what a directory a node names must end in.
	lastElem = "kubelet"
)

// Reasons a node's kubelet directory cannot take profiles, reported in its
// profiles' node statuses and in Events.
const (
	// ReasonKubeletDirNotMounted: the daemon's seccomp directory is not a
	// host directory mounted into its container (CheckMounted).
	ReasonKubeletDirNotMounted = "KubeletDirNotMounted"
	// ReasonKubeletDirInvalid: the node names its kubelet directory in a
	// way that is refused (Resolve).
	ReasonKubeletDirInvalid = "KubeletDirInvalid"
)

// Source says where a node's directory came from, for logs and messages.
type Source string

// The sources, most specific first.
const (
	SourceAnnotation Source = "annotation " + AnnotationKubeletDir
	SourceLabel      Source = "label " + LabelDirectoryLocation
	SourceConfigured Source = "--kubelet-dir"
	SourceDefault    Source = "default"
)

// Dir is a node's kubelet root directory and where it came from.
type Dir struct {
	Path   string
	Source Source
}

// Resolve is the kubelet directory of a node with these annotations and
// labels, given the operator's configured directory ("" for none). A node
// that names a directory wrongly is an error, not a fallback: the daemon
// would otherwise write where that node's kubelet never looks.
func Resolve(annotations, labels map[string]string, configured string) (Dir, error) {
	d, ok, err := FromNode(annotations, labels)
	if err != nil || ok {
		return d, err
	}
	if configured == "" {
		return Dir{Path: Default, Source: SourceDefault}, nil
	}
	if !filepath.IsAbs(configured) {
		return Dir{}, fmt.Errorf("--kubelet-dir %q must be an absolute path", configured)
	}
	return Dir{Path: filepath.Clean(configured), Source: SourceConfigured}, nil
}

// FromNode is the directory a node names itself, if any (ok false when it
// names none).
func FromNode(annotations, labels map[string]string) (d Dir, ok bool, err error) {
	if v, set := annotations[AnnotationKubeletDir]; set {
		p, err := checkNamed(v)
		if err != nil {
			return Dir{}, false, fmt.Errorf("node annotation %s: %w", AnnotationKubeletDir, err)
		}
		return Dir{Path: p, Source: SourceAnnotation}, true, nil
	}
	if v, set := labels[LabelDirectoryLocation]; set {
		p, err := DecodeLabel(v)
		if err != nil {
			return Dir{}, false, fmt.Errorf("node label %s: %w", LabelDirectoryLocation, err)
		}
		return Dir{Path: p, Source: SourceLabel}, true, nil
	}
	return Dir{}, false, nil
}

// DecodeLabel turns a directory-location label value into its path:
// "mnt-resource-kubelet" is /mnt/resource/kubelet. Every "-" is a "/", so a
// directory whose name holds "-" cannot be named by the label (use the
// annotation).
func DecodeLabel(value string) (string, error) {
	if value == "" {
		return "", fmt.Errorf("value is empty")
	}
	if errs := validation.IsValidLabelValue(value); len(errs) > 0 {
		return "", fmt.Errorf("value %q: %s", value, strings.Join(errs, "; "))
	}
	elems := strings.Split(value, "-")
	for _, e := range elems {
		if e == "" {
			return "", fmt.Errorf("value %q has an empty path element (leading, trailing or doubled \"-\")", value)
		}
		if e == "." || e == ".." {
			return "", fmt.Errorf("value %q has the path element %q", value, e)
		}
	}
	return checkNamed("/" + strings.Join(elems, "/"))
}

// checkNamed accepts a directory a node names: absolute, already clean (so
// that what the user wrote is what gets mounted), ending in "kubelet".
func checkNamed(p string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%q is not an absolute path", p)
	}
	if filepath.Clean(p) != p {
		return "", fmt.Errorf("%q is not a clean path (write %q)", p, filepath.Clean(p))
	}
	if filepath.Base(p) != lastElem {
		return "", fmt.Errorf("%q does not end in %q: nodes may only name kubelet directories", p, lastElem)
	}
	return p, nil
}
