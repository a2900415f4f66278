package cluster

import (
	"fmt"
	"path/filepath"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// kubeconfigPath is where the kubeconfig of identity name is.
func kubeconfigPath(name string) string {
	if name == "admin" {
		return AdminKubeconfig
	}
	return filepath.Join(StateDir, name+".kubeconfig")
}

// writeKubeconfigs writes one kubeconfig per client identity. The
// components on this host reach the API server on loopback; the admin's
// kubeconfig too, so it keeps working when the host's address changes.
func writeKubeconfigs() error {
	for _, name := range []string{"admin", "controller-manager", "scheduler", "kube-proxy", "kubelet-client"} {
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters["spo"] = &clientcmdapi.Cluster{
			Server:               fmt.Sprintf("https://127.0.0.1:%d", APIPort),
			CertificateAuthority: pkiFile("ca.crt"),
		}
		cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{
			ClientCertificate: pkiFile(name + ".crt"),
			ClientKey:         pkiFile(name + ".key"),
		}
		cfg.Contexts["spo"] = &clientcmdapi.Context{Cluster: "spo", AuthInfo: name}
		cfg.CurrentContext = "spo"
		if err := clientcmd.WriteToFile(*cfg, kubeconfigPath(name)); err != nil {
			return fmt.Errorf("kubeconfig %s: %w", name, err)
		}
	}
	return nil
}

// RESTConfig is the cluster admin's client configuration.
func RESTConfig() (*rest.Config, error) {
	return clientcmd.BuildConfigFromFlags("", AdminKubeconfig)
}
