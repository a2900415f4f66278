package cluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// SandboxImage is the pod sandbox ("pause") image containerd runs; it is
// imported, never pulled.
const SandboxImage = "spo.local/pause:dev"

// containerdTOML configures containerd (config version 3, containerd 2.x)
// to keep every file it writes under StateDir and RunDir, run runc from
// the node binaries with cgroupfs (no systemd here), and never pull the
// sandbox image. Where this host withholds CAP_SYS_RESOURCE (these
// machines' VMs do), the negative oom_score_adj the kubelet asks for pod
// sandboxes (-998) cannot be set and runc fails to start any pod; containerd
// then clamps it to its own score instead. NRI is off: nothing here uses it and it would open a
// socket in /var/run/nri.
func containerdTOML(b Binaries) string {
	return fmt.Sprintf(`version = 3
root = %q
state = %q

[grpc]
  address = %q

[plugins.'io.containerd.internal.v1.opt']
  path = %q

[plugins.'io.containerd.nri.v1.nri']
  disable = true

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = %q

[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = %t

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
  runtime_type = 'io.containerd.runc.v2'
  [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
    BinaryName = %q
    Root = %q
    SystemdCgroup = false

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = [%q]
  conf_dir = %q
`, containerdRoot, containerdState, containerdSocket, filepath.Join(StateDir, "opt"), SandboxImage,
		!canLowerOOMScore(), b.path("runc"), runcRoot, b.CNIDir(), cniConfDir)
}

// cniConflist is the pod network: one bridge, addresses from PodCIDR,
// the bridge as the pods' default gateway. No masquerading: pods talk
// only to this host (the API server on the node address) and to each
// other, so the plugins add no iptables rule.
func cniConflist() ([]byte, error) {
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "spo",
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": Bridge, "isGateway": true, "isDefaultGateway": true,
				"ipMasq": false, "hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": PodCIDR}}},
					"dataDir": cniIPAMDir,
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	return json.MarshalIndent(conf, "", "  ")
}

// kubeletYAML is the kubelet's configuration. The cgroupfs driver works on
// both cgroup versions; failCgroupV1 is off so the kubelet starts on this
// machine's hybrid (v1) hierarchy. Images spo runs are imported, not
// pulled, so image garbage collection must never remove them.
func kubeletYAML() ([]byte, error) {
	c := kubeletv1beta1.KubeletConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: kubeletv1beta1.SchemeGroupVersion.String(), Kind: "KubeletConfiguration"},
		Authentication: kubeletv1beta1.KubeletAuthentication{
			Anonymous: kubeletv1beta1.KubeletAnonymousAuthentication{Enabled: ptr.To(false)},
			Webhook:   kubeletv1beta1.KubeletWebhookAuthentication{Enabled: ptr.To(true)},
			X509:      kubeletv1beta1.KubeletX509Authentication{ClientCAFile: pkiFile("ca.crt")},
		},
		Authorization:               kubeletv1beta1.KubeletAuthorization{Mode: kubeletv1beta1.KubeletAuthorizationModeWebhook},
		CgroupDriver:                "cgroupfs",
		FailCgroupV1:                ptr.To(false),
		FailSwapOn:                  ptr.To(false),
		ContainerRuntimeEndpoint:    "unix://" + containerdSocket,
		PodLogsDir:                  podLogsDir,
		TLSCertFile:                 pkiFile("kubelet.crt"),
		TLSPrivateKeyFile:           pkiFile("kubelet.key"),
		ClusterDomain:               "cluster.local",
		ResolverConfig:              ptr.To("/etc/resolv.conf"),
		ImageGCHighThresholdPercent: ptr.To[int32](100),
		ImageGCLowThresholdPercent:  ptr.To[int32](99),
		// Leave the node's disk alone: on a shared development machine
		// the kubelet must not evict spo's pods for a full disk.
		EvictionHard:        map[string]string{"memory.available": "100Mi"},
		SerializeImagePulls: ptr.To(false),
	}
	return yaml.Marshal(c)
}

// kubeProxyYAML runs kube-proxy in nftables mode (its tables are removed
// with `kube-proxy --cleanup`); conntrack limits are left as the host has
// them.
func kubeProxyYAML() ([]byte, error) {
	c := kubeproxyv1alpha1.KubeProxyConfiguration{
		TypeMeta:           metav1.TypeMeta{APIVersion: kubeproxyv1alpha1.SchemeGroupVersion.String(), Kind: "KubeProxyConfiguration"},
		ClientConnection:   componentbaseconfigv1alpha1.ClientConnectionConfiguration{Kubeconfig: kubeconfigPath("kube-proxy")},
		Mode:               "nftables",
		ClusterCIDR:        PodCIDR,
		HostnameOverride:   NodeName,
		HealthzBindAddress: "127.0.0.1:10256",
		MetricsBindAddress: "127.0.0.1:10249",
		Conntrack: kubeproxyv1alpha1.KubeProxyConntrackConfiguration{
			MaxPerCore: ptr.To[int32](0),
		},
	}
	return yaml.Marshal(c)
}

// writeConfigs writes every configuration file into StateDir, leaving
// alone those already as wanted, and names the components whose file
// changed.
func writeConfigs(b Binaries) (changed []string, err error) {
	if err := os.MkdirAll(cniConfDir, 0o755); err != nil {
		return nil, err
	}
	cni, err := cniConflist()
	if err != nil {
		return nil, err
	}
	kubelet, err := kubeletYAML()
	if err != nil {
		return nil, err
	}
	proxy, err := kubeProxyYAML()
	if err != nil {
		return nil, err
	}
	files := []struct {
		path, component string
		data            []byte
	}{
		{containerdConfig, Containerd, []byte(containerdTOML(b))},
		// The CNI plugins read their configuration for every pod.
		{filepath.Join(cniConfDir, "10-spo.conflist"), "", cni},
		{kubeletConfig, Kubelet, kubelet},
		{kubeProxyConfig, KubeProxy, proxy},
	}
	for _, f := range files {
		old, err := os.ReadFile(f.path)
		if err == nil && bytes.Equal(old, f.data) {
			// kube-proxy exits when its configuration file is
			// written, even with the same content.
			continue
		}
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			return nil, err
		}
		if f.component != "" {
			changed = append(changed, f.component)
		}
	}
	return changed, nil
}

// canLowerOOMScore reports whether this process has CAP_SYS_RESOURCE,
// which lowering an oom_score_adj needs (proc(5)).
func canLowerOOMScore() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<capSysResource) != 0
		}
	}
	return false
}

// capSysResource is CAP_SYS_RESOURCE's bit (linux/capability.h).
const capSysResource = 24
