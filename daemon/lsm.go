package daemon

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/prometheus/client_golang/prometheus"
	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/apparmor"
	"github.com/secprofiles/spo/daemon/nodeinstall"
	"github.com/secprofiles/spo/daemon/selinux"
)

// setupLSMs registers the node reconcilers of SelinuxProfiles,
// RawSelinuxProfiles and AppArmorProfiles. They run on every node: a node
// without the LSM (or with it switched off in the SPOD) reports each such
// profile Error with the reason, rather than nothing.
func setupLSMs(mgr manager.Manager, cfg Config) error {
	c := mgr.GetClient()
	spod := spodReader{c: c, namespace: cfg.Namespace}
	sel := selinux.Config{
		PolicyDir: cfg.SelinuxPolicyDir,
		Selinuxd:  selinux.NewClient(cfg.SelinuxdSocket),
		Settings:  spod.selinux,
		GetProfile: func(ctx context.Context, name string) (*v1.SelinuxProfile, error) {
			p := &v1.SelinuxProfile{}
			return p, c.Get(ctx, client.ObjectKey{Name: name}, p)
		},
		GetRawProfile: func(ctx context.Context, name string) (*v1.RawSelinuxProfile, error) {
			p := &v1.RawSelinuxProfile{}
			return p, c.Get(ctx, client.ObjectKey{Name: name}, p)
		},
	}
	sel.Seed = selinux.NewSeed(sel)
	seed := seedRunner{seed: sel.Seed, supported: selinux.SELinuxSupported, events: mgr.GetEventRecorder("spo-daemon"),
		node: cfg.Node, enabled: func(ctx context.Context) (bool, error) {
			s, err := spod.selinux(ctx)
			return s.Enable, err
		}}
	if err := mgr.Add(seed); err != nil {
		return fmt.Errorf("setting up spo's SELinux templates: %w", err)
	}
	aa := &apparmor.Installer{
		Parser:   apparmor.ExecParser{Path: apparmor.DefaultParserPath},
		StateDir: filepath.Join(cfg.StateDir, "apparmor"),
		Enabled:  spod.appArmor,
	}
	selinuxProfiles := nodeReconciler(mgr, cfg, "SelinuxProfile", selinux.NewProfileInstaller(sel),
		func() client.ObjectList { return &v1.SelinuxProfileList{} }, selinux.ProfileOps, selinux.ProfileErrors)
	selinuxProfiles.BuildsOn = selinux.BuildsOn
	for kind, r := range map[string]interface{ SetupWithManager(manager.Manager) error }{
		"SelinuxProfile": selinuxProfiles,
		"RawSelinuxProfile": nodeReconciler(mgr, cfg, "RawSelinuxProfile", selinux.NewRawInstaller(sel),
			func() client.ObjectList { return &v1.RawSelinuxProfileList{} }, selinux.ProfileOps, selinux.ProfileErrors),
		"AppArmorProfile": nodeReconciler(mgr, cfg, "AppArmorProfile", nodeinstall.Installer[*v1.AppArmorProfile](aa),
			func() client.ObjectList { return &v1.AppArmorProfileList{} }, apparmor.ProfileOps, apparmor.ProfileErrors),
	} {
		if err := r.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("setting up %s: %w", kind, err)
		}
	}
	return nil
}

// nodeReconciler is a node reconciler for one profile kind on this node.
func nodeReconciler[P v1.Profile](mgr manager.Manager, cfg Config, kind string, installer nodeinstall.Installer[P],
	newList func() client.ObjectList, ops, errs *prometheus.CounterVec) *nodeinstall.Reconciler[P] {
	return &nodeinstall.Reconciler[P]{
		Client: mgr.GetClient(), Node: cfg.Node, Kind: kind, Namespace: cfg.Namespace,
		Events: mgr.GetEventRecorder("spo-daemon"), Installer: installer,
		// P is a pointer to a profile struct; a new one is made by
		// reflection so callers need not pass a constructor as well.
		New: func() P {
			var zero P
			return reflect.New(reflect.TypeOf(zero).Elem()).Interface().(P)
		},
		NewList: newList, Ops: ops, Errors: errs,
	}
}

// spodReader reads the operator's switches for the LSMs on every call, so
// a change applies at the next reconcile (the reconcilers watch the SPOD).
// Without a SPOD both LSMs are off, as in SPO.
type spodReader struct {
	c         client.Reader
	namespace string
}

func (s spodReader) get(ctx context.Context) (*v1.SecurityProfilesOperatorDaemon, error) {
	spod := &v1.SecurityProfilesOperatorDaemon{}
	err := s.c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: v1.SPODName}, spod)
	if apierrors.IsNotFound(err) {
		return &v1.SecurityProfilesOperatorDaemon{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s/%s: %w", s.namespace, v1.SPODName, err)
	}
	return spod, nil
}

func (s spodReader) selinux(ctx context.Context) (v1.SelinuxConfig, error) {
	spod, err := s.get(ctx)
	if err != nil {
		return v1.SelinuxConfig{}, err
	}
	return spod.Spec.Selinux, nil
}

func (s spodReader) appArmor(ctx context.Context) (bool, error) {
	spod, err := s.get(ctx)
	if err != nil {
		return false, err
	}
	return spod.Spec.EnableAppArmor, nil
}
