package cluster

import (
	"crypto/x509"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

func TestKubeletConfiguration(t *testing.T) {
	b, err := kubeletYAML()
	if err != nil {
		t.Fatal(err)
	}
	var c kubeletv1beta1.KubeletConfiguration
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		t.Fatalf("the kubelet would not read its configuration: %v\n%s", err, b)
	}
	checks := map[string]bool{
		"starts on cgroup v1 hosts":                       c.FailCgroupV1 != nil && !*c.FailCgroupV1,
		"needs no systemd":                                c.CgroupDriver == "cgroupfs",
		"never garbage-collects imported images":          c.ImageGCHighThresholdPercent != nil && *c.ImageGCHighThresholdPercent == 100,
		"talks to the cluster's containerd":               c.ContainerRuntimeEndpoint == "unix://"+containerdSocket,
		"lets only the API server's clients in":           c.Authentication.Anonymous.Enabled != nil && !*c.Authentication.Anonymous.Enabled,
		"keeps pod logs in the cluster's state":           strings.HasPrefix(c.PodLogsDir, StateDir+"/"),
		"serves with the certificate issued for the node": c.TLSCertFile == pkiFile("kubelet.crt"),
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("the kubelet configuration does not: %s", what)
		}
	}
}

func TestContainerdKeepsItsFilesInTheClusterDirectories(t *testing.T) {
	toml := containerdTOML(Binaries{ControlPlane: "/cp", Node: "/node"})
	for _, want := range []string{
		"root = \"" + containerdRoot, "state = \"" + containerdState, "address = \"" + containerdSocket,
		"netns_mounts_under_state_dir = true", "BinaryName = \"/node/bin/runc\"", "SystemdCgroup = false",
		"sandbox = \"" + SandboxImage, "bin_dirs = [\"/node/cni\"]",
	} {
		if !strings.Contains(toml, want) {
			t.Errorf("containerd's configuration lacks %q:\n%s", want, toml)
		}
	}
	if strings.Contains(toml, "/var/lib/containerd") || strings.Contains(toml, "/opt/containerd") {
		t.Errorf("containerd's configuration names its default directories:\n%s", toml)
	}
}

func TestCertificatesFollowTheHostAddress(t *testing.T) {
	old := pkiDir
	pkiDir = filepath.Join(t.TempDir(), "pki")
	t.Cleanup(func() { pkiDir = old })
	ip := net.ParseIP("192.0.2.10")
	if err := ensurePKI(ip); err != nil {
		t.Fatal(err)
	}
	if !pkiFits(ip) {
		t.Error("new certificates do not fit the address they were made for")
	}
	if pkiFits(net.ParseIP("192.0.2.11")) {
		t.Error("certificates fit another address: a moved host would keep an API server certificate without its address")
	}
	kubelet := readCert(t, "kubelet-client.crt")
	if kubelet.Subject.CommonName != "system:node:"+NodeName || !slices.Equal(kubelet.Subject.Organization, []string{"system:nodes"}) {
		t.Errorf("the kubelet's client certificate is %v: the Node authorizer would not know it", kubelet.Subject)
	}
	api := readCert(t, "apiserver.crt")
	if !slices.ContainsFunc(api.IPAddresses, net.ParseIP(KubernetesServiceIP).Equal) {
		t.Errorf("the API server certificate lacks the kubernetes Service address: %v", api.IPAddresses)
	}
	if fi, err := os.Stat(pkiFile("ca.key")); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o600 {
		t.Errorf("ca.key is readable by others: %v", fi.Mode())
	}
}

func readCert(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(pkiFile(name))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
