// Package cluster runs a single-node Kubernetes cluster on this machine
// from the binaries hack/controlplane.sh and hack/node.sh build: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, containerd with
// runc and the CNI bridge plugin, kubelet and kube-proxy. It is what
// `make cluster` (hack/cluster) and the e2e suite (test/e2e) run spo on, so
// that the DaemonSet, the webhook and profiles meet a real kubelet and a
// real runtime.
//
// The contract:
//   - Up is idempotent: components already running (found by pid file and
//     the binary the pid runs) are left alone; certificates and etcd data are
//     kept while they still fit this host.
//   - Down removes everything Up made: processes (by recorded pid only),
//     containers and their shims, mounts, the kubelet's cgroups, the pod
//     bridge and veths, kube-proxy's nftables tables, the sysctls it set
//     (restored), and its directories. Leftovers reports what would remain,
//     so a test can prove it.
//   - Nothing on the host is touched by name alone: processes are found
//     through pid files, containers through containerd's own state.
//
// Layout: state under /var/lib/spo-cluster, runtime files under
// /run/spo-cluster, the kubelet in /var/lib/kubelet (where spo's DaemonSet
// looks for it). Needs root.
//
// The kubelet runs with the cgroupfs driver, as these machines have no
// systemd; on cgroup v1 hosts its default failCgroupV1 is turned off.
// kube-proxy runs in nftables mode and the pod network needs no
// masquerading (pods only talk to this host), so nothing here installs an
// iptables rule.
package cluster
