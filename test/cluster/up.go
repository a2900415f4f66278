package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Options are what Up needs.
type Options struct {
	Binaries
	// Images are image archives (OCI layout or docker-archive tarballs)
	// to import into containerd's Kubernetes namespace.
	Images []string
	// Log receives progress lines.
	Log io.Writer
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "cluster: "+format+"\n", args...)
	}
}

// Up starts the cluster, or the parts of it that are not running, and
// returns when the node is Ready and kube-proxy serves.
func Up(ctx context.Context, o Options) error {
	if os.Geteuid() != 0 {
		return errors.New("a node needs root: the kubelet, containerd and runc manage cgroups, mounts and network namespaces")
	}
	if err := o.check(); err != nil {
		return fmt.Errorf("missing binaries (run hack/controlplane.sh and hack/node.sh): %w", err)
	}
	ip, err := NodeIP()
	if err != nil {
		return err
	}
	for _, d := range []string{StateDir, logDir, pidDir, RunDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := recordHost(); err != nil {
		return err
	}
	if err := recordBinaries(o.Binaries); err != nil {
		return err
	}
	if err := ensurePKI(ip); err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	if err := writeKubeconfigs(); err != nil {
		return err
	}
	changed, err := writeConfigs(o.Binaries)
	if err != nil {
		return err
	}
	// A component reads its configuration when it starts: one that runs
	// with an older file is restarted with the new one.
	for _, name := range changed {
		if err := stop(name, 30*time.Second); err != nil {
			return err
		}
	}
	if err := setNodeSysctls(); err != nil {
		return err
	}
	return o.startAll(ctx, components(o.Binaries, ip))
}

func (o Options) startAll(ctx context.Context, comps map[string]component) error {
	cs, err := adminClient()
	if err != nil {
		return err
	}
	ready := map[string]func(context.Context) error{
		Etcd:              httpOK(fmt.Sprintf("http://127.0.0.1:%d/health", etcdClientPort)),
		APIServer:         func(ctx context.Context) error { return apiReady(ctx, cs) },
		ControllerManager: httpOK("https://127.0.0.1:10257/healthz"),
		Scheduler:         httpOK("https://127.0.0.1:10259/healthz"),
		Containerd:        func(ctx context.Context) error { return o.ctr(ctx, "version") },
		Kubelet:           func(ctx context.Context) error { return nodeReady(ctx, cs) },
		KubeProxy:         httpOK("http://127.0.0.1:10256/healthz"),
	}
	for _, name := range startOrder {
		if name == Kubelet {
			// The kubelet wants the sandbox image at hand: it is
			// imported, never pulled.
			if err := o.importImages(ctx); err != nil {
				return err
			}
		}
		if err := start(comps[name]); err != nil {
			return err
		}
		if err := waitReady(ctx, name, ready[name]); err != nil {
			return err
		}
		o.logf("%s ready", name)
	}
	return nil
}

// waitReady polls check until it passes, the component dies, or two
// minutes pass.
func waitReady(ctx context.Context, name string, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var last error
	for {
		if last = check(ctx); last == nil {
			return nil
		}
		if _, ok := running(name); !ok {
			return fmt.Errorf("%s exited; the end of %s/%s.log:\n%s", name, logDir, name, logTail(name))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w; the end of its log:\n%s", name, last, logTail(name))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func adminClient() (*kubernetes.Clientset, error) {
	cfg, err := RESTConfig()
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 10 * time.Second
	return kubernetes.NewForConfig(cfg)
}

func apiReady(ctx context.Context, cs *kubernetes.Clientset) error {
	return cs.Discovery().RESTClient().Get().AbsPath("/readyz").Do(ctx).Error()
}

func nodeReady(ctx context.Context, cs *kubernetes.Clientset) error {
	n, err := cs.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				return nil
			}
			return fmt.Errorf("node %s not ready: %s: %s", NodeName, c.Reason, c.Message)
		}
	}
	return fmt.Errorf("node %s has no Ready condition yet", NodeName)
}

// httpOK checks a health endpoint. The components' own serving
// certificates are self-signed, and only their answer matters here.
func httpOK(url string) func(context.Context) error {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // health check on loopback
	}}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		return nil
	}
}

// ctr runs containerd's client against the cluster's containerd, in the
// Kubernetes namespace.
func (o Options) ctr(ctx context.Context, args ...string) error {
	_, err := ctr(ctx, o.Binaries, args...)
	return err
}

func ctr(ctx context.Context, b Binaries, args ...string) (string, error) {
	all := append([]string{"--address", containerdSocket, "--namespace", containerdNamespace}, args...)
	out, err := exec.CommandContext(ctx, b.path("ctr"), all...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ctr %v: %w: %s", args, err, out)
	}
	return string(out), nil
}

// ImageDigest is the digest of the image ref in the cluster's containerd,
// "" when containerd does not run or has no such image. make cluster uses
// it to restart spo's pods when it imported a new spo image under the
// same name.
func ImageDigest(ctx context.Context, b Binaries, ref string) string {
	if _, ok := running(Containerd); !ok {
		return ""
	}
	out, err := ctr(ctx, b, "images", "ls", "name=="+ref)
	if err != nil {
		return ""
	}
	// REF TYPE DIGEST SIZE PLATFORMS LABELS, after a header line.
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		return ""
	}
	if f := strings.Fields(lines[1]); len(f) > 2 && f[0] == ref {
		return f[2]
	}
	return ""
}

func (o Options) importImages(ctx context.Context) error {
	for _, archive := range o.Images {
		if err := o.ctr(ctx, "images", "import", archive); err != nil {
			return err
		}
		o.logf("imported %s", archive)
	}
	return nil
}
