// Package kubelet plays the kubelet's and the container runtime's part for
// recording tests and benchmarks: envtest has neither. It does so with real
// parts. A container is a real process in its own mount namespace, moved
// into a cgroup whose name carries a runtime container id
// ("cri-containerd-<id>.scope", as containerd with the systemd cgroup
// driver names it), running under the seccomp profile the pod's
// securityContext names in the node's kubelet directory; its id and its
// Running/Terminated state are written into the pod status through the API
// server, as the kubelet does.
//
// The container's first process is the test binary itself: TestMain must
// call RunIfContainer first thing, which takes over when the binary was
// started as a container and never returns then. It waits until the
// "runtime" has placed it in its cgroup and the test releases it, loads the
// seccomp profile (like runc: on every thread, right before exec) and
// execs /bin/sh -c SCRIPT.
//
// Needs root: cgroups, CLONE_NEWNS.
package kubelet
