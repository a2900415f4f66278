package cluster

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// Component names, which are also their pid and log file names.
const (
	Etcd              = "etcd"
	APIServer         = "kube-apiserver"
	ControllerManager = "kube-controller-manager"
	Scheduler         = "kube-scheduler"
	Containerd        = "containerd"
	Kubelet           = "kubelet"
	KubeProxy         = "kube-proxy"
)

// startOrder is the order Up starts components in; Down stops them in
// reverse, except that it stops the kubelet early (see Down).
var startOrder = []string{Etcd, APIServer, ControllerManager, Scheduler, Containerd, Kubelet, KubeProxy}

func components(b Binaries, ip net.IP) map[string]component {
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClientPort)
	return map[string]component{
		Etcd: {name: Etcd, bin: b.path("etcd"), args: []string{
			"--data-dir=" + etcdDataDir,
			"--listen-client-urls=" + etcdURL, "--advertise-client-urls=" + etcdURL,
			fmt.Sprintf("--listen-peer-urls=http://127.0.0.1:%d", etcdPeerPort),
			fmt.Sprintf("--initial-advertise-peer-urls=http://127.0.0.1:%d", etcdPeerPort),
			fmt.Sprintf("--initial-cluster=default=http://127.0.0.1:%d", etcdPeerPort),
			"--unsafe-no-fsync", // a development cluster: speed over durability
		}},
		APIServer: {name: APIServer, bin: b.path("kube-apiserver"), args: []string{
			"--etcd-servers=" + etcdURL,
			fmt.Sprintf("--secure-port=%d", APIPort), "--advertise-address=" + ip.String(),
			"--service-cluster-ip-range=" + ServiceCIDR,
			"--tls-cert-file=" + pkiFile("apiserver.crt"), "--tls-private-key-file=" + pkiFile("apiserver.key"),
			"--client-ca-file=" + pkiFile("ca.crt"),
			"--kubelet-client-certificate=" + pkiFile("apiserver-kubelet-client.crt"),
			"--kubelet-client-key=" + pkiFile("apiserver-kubelet-client.key"),
			"--service-account-key-file=" + pkiFile("service-account.key"),
			"--service-account-signing-key-file=" + pkiFile("service-account.key"),
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--authorization-mode=Node,RBAC",
			"--enable-admission-plugins=NodeRestriction",
			"--allow-privileged=true",
			// Webhook calls go to endpoint (pod) addresses, so the API
			// server needs no route to Service addresses.
			"--enable-aggregator-routing=true",
			// The node is named spo-node, which no resolver knows.
			"--kubelet-preferred-address-types=InternalIP,Hostname",
		}},
		ControllerManager: {name: ControllerManager, bin: b.path("kube-controller-manager"), args: []string{
			"--kubeconfig=" + kubeconfigPath("controller-manager"),
			"--authentication-kubeconfig=" + kubeconfigPath("controller-manager"),
			"--authorization-kubeconfig=" + kubeconfigPath("controller-manager"),
			"--bind-address=127.0.0.1", "--leader-elect=false",
			"--service-account-private-key-file=" + pkiFile("service-account.key"),
			"--root-ca-file=" + pkiFile("ca.crt"),
			"--cluster-signing-cert-file=" + pkiFile("ca.crt"), "--cluster-signing-key-file=" + pkiFile("ca.key"),
			"--use-service-account-credentials=true",
			"--service-cluster-ip-range=" + ServiceCIDR,
		}},
		Scheduler: {name: Scheduler, bin: b.path("kube-scheduler"), args: []string{
			"--kubeconfig=" + kubeconfigPath("scheduler"),
			"--authentication-kubeconfig=" + kubeconfigPath("scheduler"),
			"--authorization-kubeconfig=" + kubeconfigPath("scheduler"),
			"--bind-address=127.0.0.1", "--leader-elect=false",
		}},
		// containerd finds containerd-shim-runc-v2 on its PATH.
		Containerd: {name: Containerd, bin: b.path("containerd"), args: []string{"--config=" + containerdConfig},
			env: []string{"PATH=" + filepath.Join(b.Node, "bin") + ":" + os.Getenv("PATH")}},
		Kubelet: {name: Kubelet, bin: b.path("kubelet"), args: []string{
			"--config=" + kubeletConfig,
			"--kubeconfig=" + kubeconfigPath("kubelet-client"),
			"--root-dir=" + KubeletDir,
			"--hostname-override=" + NodeName, "--node-ip=" + ip.String(),
		}},
		KubeProxy: {name: KubeProxy, bin: b.path("kube-proxy"), args: []string{"--config=" + kubeProxyConfig}},
	}
}
