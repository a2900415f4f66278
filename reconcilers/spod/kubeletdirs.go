package spod

import (
	"fmt"
	"hash/fnv"
	"path"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/secprofiles/spo/daemon/kubeletdir"
)

// seccompVolume is the volume of the configured kubelet directory's seccomp
// directory; those of directories nodes name add a hash of the path.
const seccompVolume = "seccomp"

// NodeKubeletDirs are the distinct kubelet directories the nodes name
// themselves (kubeletdir.FromNode), sorted, and the nodes whose naming is
// refused, by node name with the reason. A refused node's daemon reports
// the error on every profile; its directory is not mounted.
func NodeKubeletDirs(nodes []corev1.Node) (dirs []string, refused map[string]error) {
	for i := range nodes {
		d, ok, err := kubeletdir.FromNode(nodes[i].Annotations, nodes[i].Labels)
		if err != nil {
			if refused == nil {
				refused = map[string]error{}
			}
			refused[nodes[i].Name] = err
			continue
		}
		if ok {
			dirs = append(dirs, d.Path)
		}
	}
	slices.Sort(dirs)
	return slices.Compact(dirs), refused
}

func configuredKubeletDir(p Params) string {
	if p.KubeletDir == "" {
		return kubeletdir.Default
	}
	return path.Clean(p.KubeletDir)
}

// seccompDirs are the seccomp directories the daemon mounts, the configured
// one first, each at the same path as on the node so that the path the
// daemon reports is the node's.
func seccompDirs(p Params) []string {
	conf := configuredKubeletDir(p)
	dirs := []string{path.Join(conf, "seccomp")}
	for _, d := range p.NodeKubeletDirs {
		if d != conf {
			dirs = append(dirs, path.Join(d, "seccomp"))
		}
	}
	return dirs
}

// seccompVolumeName names the volume of a seccomp directory: stable as
// nodes come and go, so adding a directory leaves the others' names.
func seccompVolumeName(i int, dir string) string {
	if i == 0 {
		return seccompVolume
	}
	h := fnv.New32a()
	h.Write([]byte(dir))
	return fmt.Sprintf("%s-%08x", seccompVolume, h.Sum32())
}

func seccompVolumes(p Params) []corev1.Volume {
	var vs []corev1.Volume
	for i, d := range seccompDirs(p) {
		// Only <dir>/seccomp: the rest of the kubelet directory holds the
		// secrets of every pod on the node.
		vs = append(vs, hostPath(seccompVolumeName(i, d), d))
	}
	return vs
}

func seccompMounts(p Params) []corev1.VolumeMount {
	var ms []corev1.VolumeMount
	for i, d := range seccompDirs(p) {
		ms = append(ms, corev1.VolumeMount{Name: seccompVolumeName(i, d), MountPath: d})
	}
	return ms
}
