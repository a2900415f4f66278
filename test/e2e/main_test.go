// Package e2e runs spo as deployed: `make cluster` brings up a real node on
// this machine (kubelet, containerd, runc, the CNI bridge, kube-proxy) and
// deploys spo with `make deploy`; the tests then use it as a user does,
// with every component in its pod, under its own service account and
// generated RBAC. At the end `make cluster-down` must leave nothing behind
// on the host, which TestMain checks.
//
// Needs root (CI runs as root; without it the suite skips with the reason,
// except under CI=true, where that fails). A cluster already running from
// `make cluster` is not reused, as the suite removes its cluster: it skips
// then, asking for `make cluster-down` first. What a cluster that no longer
// runs left behind (a run killed midway, a machine restored from a
// snapshot) is removed with `make cluster-down` before the suite starts.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/secprofiles/spo/test/cluster"
	"github.com/secprofiles/spo/test/controlplane"
)

// The suite's clients, set by TestMain once the cluster runs.
var (
	k8s  client.Client
	cs   *kubernetes.Clientset
	root = controlplane.Root()
)

func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	if reason := cannotRun(); reason != "" {
		if os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "e2e: CI=true, so this is a failure:", reason)
			os.Exit(1)
		}
		fmt.Println("e2e: skipping:", reason)
		os.Exit(0)
	}
	if err := removeStaleCluster(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	before := snapshotHost()
	code := runSuite(m)
	if _, err := makeOutput("cluster-down"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		code = 1
	}
	if left := cluster.Leftovers(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: make cluster-down left behind:\n  %s\n", strings.Join(left, "\n  "))
		code = 1
	}
	if diff := before.diff(snapshotHost()); diff != "" {
		fmt.Fprintf(os.Stderr, "e2e: the host differs after make cluster-down:\n%s\n", diff)
		code = 1
	}
	os.Exit(code)
}

func cannotRun() string {
	if os.Geteuid() != 0 {
		return "a real node needs root (kubelet, containerd, runc)"
	}
	if pids := cluster.Processes(); len(pids) > 0 {
		return fmt.Sprintf("a cluster from `make cluster` is running (%v); the suite brings up and removes its own: run `make cluster-down` first", pids)
	}
	return ""
}

// removeStaleCluster clears what a cluster whose components are all gone
// left on the host, so that the host snapshot the suite compares against
// at the end is the host without any cluster.
func removeStaleCluster() error {
	left := cluster.Leftovers()
	if len(left) == 0 {
		return nil
	}
	fmt.Printf("e2e: removing what a cluster that no longer runs left behind:\n  %s\n", strings.Join(left, "\n  "))
	if _, err := makeOutput("cluster-down"); err != nil {
		return err
	}
	if left := cluster.Leftovers(); len(left) > 0 {
		return fmt.Errorf("make cluster-down left behind:\n  %s", strings.Join(left, "\n  "))
	}
	return nil
}

func runSuite(m *testing.M) int {
	out, err := makeOutput("cluster")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	fmt.Print(out)
	if k8s, err = cluster.AdminClient(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	cfg, err := cluster.RESTConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if cs, err = kubernetes.NewForConfig(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// makeOutput runs a make target in the repository, as a user would, and
// returns what it printed on stdout.
func makeOutput(target string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", target)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cluster.AdminKubeconfig)
	var stdout strings.Builder
	logPath := filepath.Join(os.TempDir(), "spo-e2e-make-"+target+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = &stdout, logFile
	if err := cmd.Run(); err != nil {
		tail, _ := os.ReadFile(logPath)
		if len(tail) > 4000 {
			tail = tail[len(tail)-4000:]
		}
		return stdout.String(), fmt.Errorf("make %s: %w\n%s%s", target, err, stdout.String(), tail)
	}
	return stdout.String(), nil
}
