package main

import (
	"flag"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/secprofiles/spo/reconcilers"
)

// runManager runs the cluster-wide controllers (leader-elected).
func runManager(args []string) error {
	var c common
	var leaderElect bool
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	c.register(fs, ":8080", ":8081", "localhost:6060")
	fs.BoolVar(&leaderElect, "leader-elect", true, "elect a leader so only one manager acts at a time")
	if err := fs.Parse(args); err != nil {
		return err
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
	opts.Cache = reconcilers.CacheOptions()
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	if err := reconcilers.Setup(mgr); err != nil {
		return err
	}
	if err := addProbes(mgr); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}
