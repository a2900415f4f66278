package seccomp

import (
	"path/filepath"

	"github.com/secprofiles/spo/daemon/nodefs"
)

// localhostDir is the directory, relative to the kubelet's seccomp root, that
// holds the operator's profiles; pods refer to profiles relative to that root.
const localhostDir = "operator"

// Subdir is where profiles live relative to the kubelet's root directory
// (e.g. /var/lib/kubelet), so that kubelet resolves
// localhostProfile "operator/<name>.json" to them.
const Subdir = "seccomp/" + localhostDir

// fileExt is the extension of profile files; runtimes read them as OCI JSON.
const fileExt = ".json"

// FileName returns the file name of the profile called name.
func FileName(name string) string { return name + fileExt }

// LocalhostProfile returns the value a pod's
// securityContext.seccompProfile.localhostProfile needs to use the profile.
func LocalhostProfile(name string) string { return localhostDir + "/" + FileName(name) }

// ProfilePath returns the file of the profile called name below kubeletDir,
// refusing names that are not a single plain file name.
func ProfilePath(kubeletDir, name string) (string, error) {
	p, err := nodefs.SafeJoin(filepath.Join(kubeletDir, Subdir), name, fileExt)
	if err != nil {
		return "", &Error{Reason: ReasonInvalidName, Field: "metadata.name", Message: err.Error()}
	}
	return p, nil
}
