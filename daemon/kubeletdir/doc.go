// Package kubeletdir decides which kubelet root directory a node uses and
// checks that the daemon's view of it is the node's own directory.
//
// A node names its directory itself, most specific first: spo's annotation
// spo.x-k8s.io/kubelet-dir (an absolute path), then the Security Profiles
// Operator's label kubelet.kubernetes.io/directory-location (the path with
// "/" replaced by "-", so that it fits a label value: mnt-resource-kubelet
// is /mnt/resource/kubelet). Otherwise the operator's configured directory
// (--kubelet-dir, env KUBELET_DIR) applies, and /var/lib/kubelet when
// nothing is configured.
//
// Kubelets may set labels and annotations on their own Node, and the
// manager mounts every directory a node names into the daemon on all nodes
// (one pod template for the whole DaemonSet). So a directory a node names
// must end in "kubelet", as the Security Profiles Operator requires: one
// node cannot get an arbitrary host directory mounted everywhere.
//
// The daemon writes profiles into <dir>/seccomp. Inside its container that
// directory must be a hostPath mount; otherwise the files land in the
// container's own filesystem, where the kubelet never sees them. CheckMounted
// reads the process's mountinfo to tell.
package kubeletdir
