// Package kubeletdir runs the node daemon against a real API server with
// the mount check of its kubelet directory on, in this process's real mount
// namespace: a directory on the root filesystem is refused with
// KubeletDirNotMounted, a node naming its directory wrongly gets
// KubeletDirInvalid, and a mounted directory takes the profiles. It needs
// root (to mount a tmpfs).
package kubeletdir
