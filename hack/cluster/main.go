// Command cluster brings a single-node Kubernetes cluster up on this
// machine with spo deployed in it, or removes it (test/cluster does the
// work). `make cluster` and `make cluster-down` run it:
//
//	go run ./hack/cluster up -controlplane DIR -node DIR -images DIR
//	go run ./hack/cluster down
//
// up prints the shell lines that point kubectl at the cluster.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/secprofiles/spo/test/cluster"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "up" && os.Args[1] != "down") {
		fmt.Fprintln(os.Stderr, "usage: cluster up -controlplane DIR -node DIR -images DIR | cluster down")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	var b cluster.Binaries
	fs.StringVar(&b.ControlPlane, "controlplane", "", "directory of etcd, kube-apiserver and kubectl (hack/controlplane.sh)")
	fs.StringVar(&b.Node, "node", "", "directory of the node binaries (hack/node.sh)")
	images := fs.String("images", "", "directory of image archives (*.tar) to import")
	_ = fs.Parse(os.Args[2:])

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var err error
	if os.Args[1] == "up" {
		err = up(ctx, b, *images)
	} else {
		err = cluster.Down(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
}

func up(ctx context.Context, b cluster.Binaries, imageDir string) error {
	archives, err := filepath.Glob(filepath.Join(imageDir, "*.tar"))
	if err != nil {
		return err
	}
	before := cluster.ImageDigest(ctx, b, cluster.Image)
	if err := cluster.Up(ctx, cluster.Options{Binaries: b, Images: archives, Log: os.Stderr}); err != nil {
		return err
	}
	after := cluster.ImageDigest(ctx, b, cluster.Image)
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "cluster: make deploy DEPLOY_IMAGE="+cluster.Image)
	if err := cluster.Deploy(ctx, root, b); err != nil {
		return err
	}
	c, err := cluster.AdminClient()
	if err != nil {
		return err
	}
	if before != "" && before != after {
		// The pods' image name is unchanged, so nothing would roll them.
		fmt.Fprintln(os.Stderr, "cluster: "+cluster.Image+" changed; restarting spo's pods")
		if err := cluster.RestartSpo(ctx, c); err != nil {
			return err
		}
	}
	fmt.Fprintln(os.Stderr, "cluster: waiting for the SPOD to be Running")
	if err := cluster.WaitSPOD(ctx, c, 5*time.Minute); err != nil {
		return err
	}
	fmt.Printf("export KUBECONFIG=%s\nexport PATH=%s:$PATH\nexport SPO_NAMESPACE=%s\n",
		cluster.AdminKubeconfig, b.ControlPlane, cluster.Namespace)
	return nil
}
