package main

import (
	"flag"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/secprofiles/spo/webhooks/server"
)

// runWebhook runs the admission webhook server.
func runWebhook(args []string) error {
	var c common
	var o server.Options
	var leaderElect bool
	fs := flag.NewFlagSet("webhook", flag.ContinueOnError)
	c.register(fs, ":8070", ":8071", "localhost:6062")
	c.registerRestrict(fs)
	fs.BoolVar(&leaderElect, "leader-elect", true, "elect a leader to issue certificates and write the webhook configuration")
	fs.StringVar(&o.Host, "host", "", "address the TLS server listens on (all when empty)")
	fs.IntVar(&o.Port, "port", 9443, "port the TLS server listens on")
	fs.StringVar(&o.CertDir, "cert-dir", "/tmp/spo-webhook-certs", "directory the serving certificate is written to and read from")
	fs.StringVar(&o.URL, "webhook-url", "", "base URL the API server calls, for running outside the cluster (empty: the spo-webhook Service)")
	fs.BoolVar(&o.DenyNotInstalled, "deny-not-installed", false, "deny pods bound to a profile that is not Installed, instead of admitting them with a warning")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Namespace = c.namespace
	o.RestrictNamespace = c.restrict
	c.start("webhook")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	opts := server.ManagerOptions(c.managerOptions(), o)
	opts.LeaderElection = leaderElect
	opts.LeaderElectionID = "spo-webhook.security-profiles-operator.x-k8s.io"
	opts.LeaderElectionNamespace = c.namespace
	mgr, err := ctrl.NewManager(cfg, opts)
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	if _, err := server.Setup(mgr, o); err != nil {
		return err
	}
	if err := addProbes(mgr); err != nil {
		return err
	}
	// Ready only when the TLS server completes a handshake: a replica that
	// cannot serve must not receive admissions.
	if err := mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return err
	}
	return mgr.Start(ctrl.SetupSignalHandler())
}
