package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// Names and addresses every cluster made here shares.
const (
	NodeName    = "spo-node"
	PodCIDR     = "10.244.0.0/24"
	ServiceCIDR = "10.96.0.0/24"
	// KubernetesServiceIP is the first address of ServiceCIDR, which the
	// API server gives the "kubernetes" Service.
	KubernetesServiceIP = "10.96.0.1"
	Bridge              = "spo0"
	APIPort             = 6443
	etcdClientPort      = 2379
	etcdPeerPort        = 2380

	// StateDir holds certificates, kubeconfigs, etcd's and containerd's
	// data, logs and pid files.
	StateDir = "/var/lib/spo-cluster"
	// RunDir holds sockets and runtime state (network namespaces, runc).
	RunDir = "/run/spo-cluster"
	// KubeletDir is the kubelet's root directory: spo's DaemonSet writes
	// seccomp profiles to its seccomp/ folder.
	KubeletDir = "/var/lib/kubelet"
	// kubepodsCgroup is where the kubelet (cgroupfs driver, cgroupRoot /)
	// puts every pod, in each cgroup hierarchy.
	kubepodsCgroup = "kubepods"
)

// Binaries are the directories the binaries come from.
type Binaries struct {
	// ControlPlane holds etcd, kube-apiserver and kubectl
	// (hack/controlplane.sh).
	ControlPlane string
	// Node holds bin/{kubelet,kube-controller-manager,kube-scheduler,
	// kube-proxy,containerd,containerd-shim-runc-v2,ctr,runc} and cni/
	// (hack/node.sh).
	Node string
}

func (b Binaries) path(name string) string {
	switch name {
	case "etcd", "kube-apiserver", "kubectl":
		return filepath.Join(b.ControlPlane, name)
	}
	return filepath.Join(b.Node, "bin", name)
}

// CNIDir is where the CNI plugins are.
func (b Binaries) CNIDir() string { return filepath.Join(b.Node, "cni") }

// Kubectl is the kubectl binary.
func (b Binaries) Kubectl() string { return b.path("kubectl") }

func (b Binaries) check() error {
	var errs []error
	for _, name := range []string{"etcd", "kube-apiserver", "kubectl", "kube-controller-manager", "kube-scheduler",
		"kubelet", "kube-proxy", "containerd", "containerd-shim-runc-v2", "ctr", "runc"} {
		if _, err := os.Stat(b.path(name)); err != nil {
			errs = append(errs, err)
		}
	}
	for _, name := range []string{"bridge", "host-local", "loopback", "portmap"} {
		if _, err := os.Stat(filepath.Join(b.CNIDir(), name)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Paths in StateDir and RunDir.
var (
	pkiDir              = filepath.Join(StateDir, "pki")
	logDir              = filepath.Join(StateDir, "logs")
	pidDir              = filepath.Join(StateDir, "pids")
	etcdDataDir         = filepath.Join(StateDir, "etcd")
	containerdRoot      = filepath.Join(StateDir, "containerd")
	containerdState     = filepath.Join(RunDir, "containerd")
	containerdSocket    = filepath.Join(RunDir, "containerd.sock")
	containerdConfig    = filepath.Join(StateDir, "containerd.toml")
	runcRoot            = filepath.Join(RunDir, "runc")
	cniConfDir          = filepath.Join(StateDir, "cni", "net.d")
	cniIPAMDir          = filepath.Join(StateDir, "cni", "ipam")
	podLogsDir          = filepath.Join(StateDir, "pod-logs")
	kubeletConfig       = filepath.Join(StateDir, "kubelet.yaml")
	kubeProxyConfig     = filepath.Join(StateDir, "kube-proxy.yaml")
	hostStateFile       = filepath.Join(StateDir, "host-before.json")
	binariesFile        = filepath.Join(StateDir, "binaries.json")
	AdminKubeconfig     = filepath.Join(StateDir, "admin.kubeconfig")
	spoNodeDirs         = []string{"/var/lib/spo", "/var/run/spo"}
	containerdNamespace = "k8s.io"
)

// NodeIP is the address the node, and the API server, are reached at: the
// source address of this host's default route, else its first global IPv4
// address. Pods reach the API server there through the bridge.
func NodeIP() (net.IP, error) {
	// A UDP "connection" sends nothing; it only asks the kernel which
	// source address the default route would use.
	if c, err := net.Dial("udp4", "192.0.2.1:9"); err == nil {
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).IP, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP, nil
		}
	}
	return nil, fmt.Errorf("no global IPv4 address on this host for the node")
}

// recordBinaries remembers where the binaries are, for Down.
func recordBinaries(b Binaries) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return os.WriteFile(binariesFile, data, 0o644)
}

// RecordedBinaries are the binaries the running cluster was started from
// (zero when there is none).
func RecordedBinaries() Binaries {
	var b Binaries
	if data, err := os.ReadFile(binariesFile); err == nil {
		_ = json.Unmarshal(data, &b)
	}
	return b
}
