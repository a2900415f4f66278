package main

import (
	"flag"
	"fmt"
	"path/filepath"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/secprofiles/spo/daemon/kubeletdir"
	"github.com/secprofiles/spo/reconcilers"
	"github.com/secprofiles/spo/reconcilers/spod"
)

// runManager runs the cluster-wide controllers (leader-elected).
func runManager(args []string) error {
	var c common
	var leaderElect bool
	var image, selinuxdImage, kubeletDir string
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	c.register(fs, ":8080", ":8081", "localhost:6060")
	c.registerRestrict(fs)
	fs.BoolVar(&leaderElect, "leader-elect", true, "elect a leader so only one manager acts at a time")
	fs.StringVar(&image, "image", envOr("SPO_IMAGE", "spo"), "image of spo the node DaemonSet runs (env SPO_IMAGE)")
	fs.StringVar(&selinuxdImage, "selinuxd-image", envOr("SPO_SELINUXD_IMAGE", spod.DefaultSelinuxdImage),
		"image of selinuxd, run on the nodes when the SPOD enables SELinux (env SPO_SELINUXD_IMAGE)")
	fs.StringVar(&kubeletDir, "kubelet-dir", envOr("KUBELET_DIR", kubeletdir.Default),
		"kubelet root directory of nodes that name none with the label "+kubeletdir.LabelDirectoryLocation+
			" or annotation "+kubeletdir.AnnotationKubeletDir+"; mounted into the node DaemonSet (env KUBELET_DIR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// selinuxd runs privileged on every SELinux node: never from a tag
	// that can move under the cluster.
	if err := spod.PinnedImage(selinuxdImage); err != nil {
		return fmt.Errorf("--selinuxd-image: %w", err)
	}
	c.start("manager")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	opts := c.managerOptions()
	opts.LeaderElection = leaderElect
	opts.LeaderElectionID = "spo-manager.security-profiles-operator.x-k8s.io"
	opts.LeaderElectionNamespace = c.namespace
	if !filepath.IsAbs(kubeletDir) {
		return fmt.Errorf("--kubelet-dir %q must be an absolute path", kubeletDir)
	}
	setup := reconcilers.Options{Namespace: c.namespace, Image: image, SelinuxdImage: selinuxdImage, KubeletDir: kubeletDir,
		RestrictNamespace: c.restrict}
	opts.Cache = reconcilers.CacheOptionsFor(setup)
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	if err := reconcilers.SetupWithOptions(mgr, setup); err != nil {
		return err
	}
	if err := addProbes(mgr); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}
