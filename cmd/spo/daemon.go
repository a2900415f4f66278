package main

import (
	"errors"
	"flag"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon"
	"github.com/secprofiles/spo/daemon/kubeletdir"
	"github.com/secprofiles/spo/daemon/metricsink"
	"github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/recorder"
	"github.com/secprofiles/spo/daemon/selinux"
)

// runDaemon runs the node-side component: it installs profiles on the node
// it runs on and reports on them.
func runDaemon(args []string) error {
	var c common
	var cfg daemon.Config
	fs := flag.NewFlagSet("daemon", flag.ContinueOnError)
	c.register(fs, ":8090", ":8091", "localhost:6061")
	c.registerRestrict(fs)
	fs.StringVar(&cfg.Node, "node-name", envOr("NODE_NAME", ""), "name of the node this daemon runs on (env NODE_NAME)")
	fs.StringVar(&cfg.KubeletDir, "kubelet-dir", envOr("KUBELET_DIR", kubeletdir.Default),
		"kubelet root directory; the Node annotation "+kubeletdir.AnnotationKubeletDir+" or label "+
			kubeletdir.LabelDirectoryLocation+" overrides it (env KUBELET_DIR)")
	checkMount := fs.Bool("check-kubelet-mount", true,
		"refuse to install seccomp profiles unless <kubelet-dir>/seccomp is a mounted host directory, as in the DaemonSet "+
			"(false for a daemon run on the host itself)")
	fs.StringVar(&cfg.BpfRecorderSocket, "bpf-recorder-socket", recorder.DefaultBpfRecorderSocket,
		"Unix socket of the bpf recorder, dialed when a pod is recorded with recorder Bpf")
	fs.StringVar(&cfg.EnricherSocket, "log-enricher-socket", recorder.DefaultEnricherSocket,
		"Unix socket of the log enricher, dialed when a pod is recorded with recorder Logs")
	fs.StringVar(&cfg.StateDir, "state-dir", daemon.DefaultStateDir,
		"directory on the node keeping what must survive daemon restarts (recordings in progress, loaded AppArmor policy)")
	fs.StringVar(&cfg.MetricsSinkSocket, "metrics-sink-socket", metricsink.DefaultSocket,
		"Unix socket the bpf-recorder and log-enricher push their metrics to, served with the daemon's (\"\" disables)")
	fs.StringVar(&cfg.SelinuxdSocket, "selinuxd-socket", selinux.DefaultSocket, "selinuxd's status socket")
	fs.StringVar(&cfg.SelinuxPolicyDir, "selinux-policy-dir", selinux.DefaultPolicyDir,
		"directory selinuxd installs SELinux modules from")
	fs.StringVar(&cfg.OCITrustDir, "oci-trust-dir", "",
		"directory with the public key and Sigstore trusted root that the SPOD's security.signatureVerification names, for verifying oci:// base profiles (the DaemonSet mounts them at "+ociartifact.TrustDir+")")
	fs.StringVar(&cfg.OCIPullSecretsDir, "oci-pull-secrets-dir", "",
		"directory with one <secret>/config.json per Secret the SPOD's security.ociArtifactPullSecrets names, the registry credentials for oci:// base profiles (the DaemonSet mounts them at "+ociartifact.PullSecretsDir+")")
	fs.BoolVar(&cfg.MemoryOptimization, "memory-optimization", false,
		"cache only this node's pods labelled "+v1.LabelEnableRecording+"=true (the recording webhook labels the pods it marks); SPOD enableMemoryOptimization")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Node == "" {
		return errors.New("--node-name (or NODE_NAME) is required")
	}
	cfg.Namespace = c.namespace
	cfg.RestrictNamespace = c.restrict
	if *checkMount {
		cfg.MountTable = kubeletdir.SelfMountInfo
	}
	c.start("daemon")

	rest, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	opts := c.managerOptions()
	opts.Cache = daemon.CacheOptions(cfg)
	mgr, err := ctrl.NewManager(rest, opts)
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	ctx := ctrl.SetupSignalHandler()
	if err := daemon.Setup(ctrl.LoggerInto(ctx, ctrl.Log.WithName("daemon")), mgr, cfg); err != nil {
		return err
	}
	if err := addProbes(mgr); err != nil {
		return err
	}
	return mgr.Start(ctx)
}
