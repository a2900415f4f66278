package selinux

import (
	"context"
	"errors"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodefs"
	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// Reasons of node failures: reported on the node status and retried with
// backoff (nodeinstall.Error.Retry). The first three are SPO 1.0's words.
const (
	ReasonCannotContactSelinuxd = "CannotContactSelinuxd"
	ReasonCannotWritePolicyFile = "CannotWritePolicyFile"
	ReasonCannotRemovePolicy    = "CannotRemoveSelinuxPolicy"
	// ReasonSelinuxdTimeout: selinuxd gave no verdict within Config.Timeout.
	ReasonSelinuxdTimeout = "SelinuxdTimeout"
)

// Config is what both SELinux Installers need.
type Config struct {
	// PolicyDir is the directory selinuxd watches (DefaultPolicyDir).
	PolicyDir string
	// Selinuxd is the client of selinuxd's status server.
	Selinuxd *Client
	// Settings returns the SPOD's selinux settings, read on every call so
	// that a change applies to the next reconcile.
	Settings func(ctx context.Context) (v1.SelinuxConfig, error)
	// GetProfile returns a SelinuxProfile by name, for inherit chains;
	// NotFound when there is none.
	GetProfile func(ctx context.Context, name string) (*v1.SelinuxProfile, error)
	// GetRawProfile returns a RawSelinuxProfile by name, NotFound when
	// there is none. With GetProfile it tells which of two objects of one
	// name owns the module (ownsModule); when nil, there is no check.
	GetRawProfile func(ctx context.Context, name string) (*v1.RawSelinuxProfile, error)
	// Supported reports whether the node runs SELinux; SELinuxSupported
	// when nil (tests replace it: these machines have no SELinux).
	Supported func() (bool, string)
	// PollInterval and Timeout govern waiting for selinuxd's verdict
	// (defaults 500ms and 2m: semodule takes seconds on a real node).
	PollInterval, Timeout time.Duration
	// Seed installs spo's own modules, which every profile inherits, before
	// any profile (NewSeed(cfg) when nil; the daemon shares one between
	// both installers).
	Seed *Seed
	// Settle is how long, after rewriting a module selinuxd already has a
	// status for, a status equal to the previous one is taken for stale
	// (default 10s, longer than semodule usually takes; see awaitInstalled).
	Settle time.Duration
}

// ProfileInstaller installs SelinuxProfiles; it implements
// nodeinstall.Installer and nodeinstall.Locator.
type ProfileInstaller struct{ m modules }

// RawInstaller installs RawSelinuxProfiles, when the SPOD's
// selinux.enableRawSelinuxProfiles allows them.
type RawInstaller struct{ m modules }

var (
	_ nodeinstall.Installer[*v1.SelinuxProfile]    = (*ProfileInstaller)(nil)
	_ nodeinstall.Locator[*v1.SelinuxProfile]      = (*ProfileInstaller)(nil)
	_ nodeinstall.Installer[*v1.RawSelinuxProfile] = (*RawInstaller)(nil)
	_ nodeinstall.Locator[*v1.RawSelinuxProfile]   = (*RawInstaller)(nil)
)

// NewProfileInstaller returns the Installer for SelinuxProfiles.
func NewProfileInstaller(cfg Config) *ProfileInstaller {
	return &ProfileInstaller{m: newModules(withSeed(cfg), kindProfile)}
}

// NewRawInstaller returns the Installer for RawSelinuxProfiles.
func NewRawInstaller(cfg Config) *RawInstaller {
	return &RawInstaller{m: newModules(withSeed(cfg), kindRaw)}
}

func withSeed(cfg Config) Config {
	if cfg.Seed == nil {
		cfg.Seed = NewSeed(cfg)
	}
	return cfg
}

// Install renders p and has selinuxd install it. Location is the type
// pods use (Usage), which is also what status.usage shows.
func (i *ProfileInstaller) Install(ctx context.Context, p *v1.SelinuxProfile) (nodeinstall.Installed, error) {
	return i.m.install(ctx, p, false, func(s v1.SelinuxConfig) ([]byte, error) {
		get := func(name string) (*v1.SelinuxProfile, error) { return i.m.cfg.GetProfile(ctx, name) }
		cil, err := Translate(p, OptionsFrom(s), get)
		if err != nil {
			return nil, err
		}
		return cil, i.m.checkAncestorsOwn(ctx, p, get)
	})
}

// Remove deletes p's module file and waits until selinuxd has removed it.
func (i *ProfileInstaller) Remove(ctx context.Context, p *v1.SelinuxProfile) (bool, error) {
	return i.m.remove(ctx, p)
}

// Location is the SELinux type pods run as under p.
func (i *ProfileInstaller) Location(p *v1.SelinuxProfile) string { return Usage(p.Name) }

// Install checks p's policy, wraps it in its block and has selinuxd
// install it.
func (i *RawInstaller) Install(ctx context.Context, p *v1.RawSelinuxProfile) (nodeinstall.Installed, error) {
	return i.m.install(ctx, p, true, func(s v1.SelinuxConfig) ([]byte, error) {
		return TranslateRaw(p, OptionsFrom(s))
	})
}

// Remove deletes p's module file and waits until selinuxd has removed it.
func (i *RawInstaller) Remove(ctx context.Context, p *v1.RawSelinuxProfile) (bool, error) {
	return i.m.remove(ctx, p)
}

// Location is the SELinux type pods run as under p.
func (i *RawInstaller) Location(p *v1.RawSelinuxProfile) string { return Usage(p.Name) }

// modules is the work both kinds share: module files and selinuxd.
type modules struct {
	cfg Config
	// kind is the kind of profile served, kindProfile or kindRaw.
	kind string
}

func newModules(cfg Config, kind string) modules {
	if cfg.Supported == nil {
		cfg.Supported = SELinuxSupported
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 500 * time.Millisecond
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 10 * time.Second
	}
	if cfg.PolicyDir == "" {
		cfg.PolicyDir = DefaultPolicyDir
	}
	return modules{cfg: cfg, kind: kind}
}

// enabled returns the SPOD settings after checking that this node and the
// operator both run SELinux profiles; the node comes first because no SPOD
// setting can fix it.
func (m modules) enabled(ctx context.Context, raw bool) (v1.SelinuxConfig, error) {
	if ok, why := m.cfg.Supported(); !ok {
		return v1.SelinuxConfig{}, newError(ReasonNotSupportedOnNode, "", why)
	}
	s, err := m.cfg.Settings(ctx)
	if err != nil {
		return s, fmt.Errorf("reading the SecurityProfilesOperatorDaemon's selinux settings: %w", err)
	}
	switch {
	case !s.Enable:
		return s, newError(ReasonDisabledInOperator, "",
			"SELinux profiles are disabled: the SecurityProfilesOperatorDaemon's selinux.enable is false")
	case raw && !s.RawProfilesEnabled():
		return s, newError(ReasonRawDisabledInOperator, "",
			"RawSelinuxProfiles are disabled: the SecurityProfilesOperatorDaemon's selinux.enableRawSelinuxProfiles is false")
	}
	return s, nil
}

func (m modules) install(ctx context.Context, p metav1.Object, raw bool, render func(v1.SelinuxConfig) ([]byte, error)) (nodeinstall.Installed, error) {
	name := p.GetName()
	settings, err := m.enabled(ctx, raw)
	if err != nil {
		return nodeinstall.Installed{}, err
	}
	cil, err := render(settings)
	if err != nil {
		return nodeinstall.Installed{}, err
	}
	if err := m.checkOwner(ctx, p); err != nil {
		return nodeinstall.Installed{}, err
	}
	path, err := nodefs.SafeJoin(m.cfg.PolicyDir, name, moduleExt)
	if err != nil {
		return nodeinstall.Installed{}, newError(ReasonInvalidName, "metadata.name", err.Error())
	}
	// The templates the module inherits come first (cheap when they are
	// in place: the files are unchanged and selinuxd says Installed).
	if err := m.cfg.Seed.Ensure(ctx); err != nil {
		return nodeinstall.Installed{}, err
	}
	pre, err := m.cfg.Selinuxd.Status(ctx, name)
	if err != nil {
		return nodeinstall.Installed{}, retryError(ReasonCannotContactSelinuxd, err.Error())
	}
	changed, err := m.write(path, cil, pre)
	if err != nil {
		return nodeinstall.Installed{}, retryError(ReasonCannotWritePolicyFile, err.Error())
	}
	stale := pre
	if !changed {
		stale = nil // selinuxd's verdict already is on this content
	}
	if err := m.awaitInstalled(ctx, name, stale); err != nil {
		return nodeinstall.Installed{}, err
	}
	return nodeinstall.Installed{Location: Usage(name), Changed: changed}, nil
}

// retryMarker makes a module file differ from the last one selinuxd saw.
const retryMarker = "; spo: installing again after selinuxd reported Failed\n"

// write puts cil at path. selinuxd only acts when a file's checksum
// changes, so a module it refused stays refused even once the cause is
// gone (typically a parent module installed later): when the file
// already holds cil and selinuxd said Failed, write cil with a comment
// appended so it tries again. The next install writes cil alone, which
// again differs, so every install of a refused module is a fresh try.
func (m modules) write(path string, cil []byte, pre *PolicyStatus) (bool, error) {
	changed, err := nodefs.WriteFileAtomic(path, cil, 0o644)
	if err != nil || changed || pre == nil || pre.Status != StateFailed {
		return changed, err
	}
	retry := append(cil[:len(cil):len(cil)], retryMarker...)
	return nodefs.WriteFileAtomic(path, retry, 0o644)
}

// awaitInstalled polls selinuxd until it has a verdict on name.
//
// selinuxd keeps a module's previous status until it has processed the
// new file, and its answers carry no checksum or generation, so a status
// equal to stale (the one from before the write) may be old news: it is
// believed only after Config.Settle, while any other verdict is new and
// believed at once.
func (m modules) awaitInstalled(ctx context.Context, name string, stale *PolicyStatus) error {
	start := time.Now()
	return m.poll(ctx, name, "install", func(st *PolicyStatus) (bool, error) {
		switch {
		case st == nil:
			return false, nil
		case stale != nil && *st == *stale && time.Since(start) < m.cfg.Settle:
			return false, nil
		case st.Status == StateFailed:
			return true, newError(ReasonCannotSavePolicy, "",
				fmt.Sprintf("selinuxd could not install module %s: %s", name, st.Msg))
		}
		return st.Status == StateInstalled, nil
	})
}

func (m modules) remove(ctx context.Context, p metav1.Object) (bool, error) {
	name := p.GetName()
	if err := m.checkOwner(ctx, p); err != nil {
		var conflict *nodeinstall.Error
		if errors.As(err, &conflict) {
			// The module is the other object's: p never had it.
			return false, nil
		}
		return false, err
	}
	path, err := nodefs.SafeJoin(m.cfg.PolicyDir, name, moduleExt)
	if err != nil {
		// No such file can have been written.
		return false, nil
	}
	removed, err := nodefs.RemoveFile(path)
	if err != nil {
		return false, retryError(ReasonCannotRemovePolicy, err.Error())
	}
	// Without a file there is nothing for selinuxd to act on; without
	// SELinux or with the operator's switch off there is no selinuxd.
	if !removed || !m.selinuxdRuns(ctx) {
		return removed, nil
	}
	return true, m.poll(ctx, name, "removal", func(st *PolicyStatus) (bool, error) { return st == nil, nil })
}

func (m modules) selinuxdRuns(ctx context.Context) bool {
	if ok, _ := m.cfg.Supported(); !ok {
		return false
	}
	s, err := m.cfg.Settings(ctx)
	return err != nil || s.Enable
}

// poll asks selinuxd for name's status until done says so, the context
// ends or Config.Timeout passes (a node failure, retried).
func (m modules) poll(ctx context.Context, name, what string, done func(*PolicyStatus) (bool, error)) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	tick := time.NewTicker(m.cfg.PollInterval)
	defer tick.Stop()
	var lastErr error
	for {
		st, err := m.cfg.Selinuxd.Status(ctx, name)
		if err == nil {
			if ok, verdict := done(st); ok || verdict != nil {
				return verdict
			}
		}
		lastErr = err
		select {
		case <-ctx.Done():
			if parent.Err() != nil {
				return parent.Err() // the reconciler gave up, not selinuxd
			}
			if lastErr != nil {
				return retryError(ReasonCannotContactSelinuxd, lastErr.Error())
			}
			return retryError(ReasonSelinuxdTimeout,
				fmt.Sprintf("selinuxd did not finish the %s of module %s within %s", what, name, m.cfg.Timeout))
		case <-tick.C:
		}
	}
}

func retryError(reason, msg string) error {
	return &nodeinstall.Error{Reason: reason, Message: msg, Retry: true}
}
