package apparmor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodefs"
	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// stateExt names the files in StateDir that keep the text last loaded.
const stateExt = ".apparmor"

// Installer loads AppArmorProfiles on this node; see the package comment.
type Installer struct {
	// Parser loads and unloads policy; nil means ExecParser{}.
	Parser Parser
	// StateDir keeps the text last loaded for each profile, so that Changed
	// survives daemon restarts; created when missing. It belongs on the
	// node's disk (a hostPath), not in the pod, or a restarted daemon pod
	// would count every profile as changed.
	StateDir string
	// Enabled reports the SecurityProfilesOperatorDaemon's enableAppArmor;
	// nil means enabled. The reconciler decides how to read it.
	Enabled func(ctx context.Context) (bool, error)
	// Supported reports whether the node runs AppArmor; nil means
	// HostSupport.Supported.
	Supported func() (bool, string)
	// KernelProfiles is the securityfs list of loaded profiles;
	// DefaultKernelProfiles when empty.
	KernelProfiles string
}

var _ nodeinstall.Installer[*v1.AppArmorProfile] = (*Installer)(nil)

// Install loads p, replacing what was loaded under its name. The checks
// run cheapest and broadest first: the operator's switch, the node, then
// the profile.
func (in *Installer) Install(ctx context.Context, p *v1.AppArmorProfile) (nodeinstall.Installed, error) {
	if err := in.usable(ctx); err != nil {
		return nodeinstall.Installed{}, err
	}
	policy, err := Translate(p)
	if err != nil {
		return nodeinstall.Installed{}, err
	}
	name := ProfileName(p)
	state, err := nodefs.SafeJoin(in.StateDir, name, stateExt)
	if err != nil {
		return nodeinstall.Installed{}, newError(ReasonInvalidName, "metadata.name", err.Error())
	}
	if err := in.claim(name, state); err != nil {
		return nodeinstall.Installed{}, err
	}
	if err := in.parser().Replace(ctx, name, policy); err != nil {
		if errors.Is(err, ErrInvalidPolicy) {
			return nodeinstall.Installed{}, newError(ReasonInvalidPolicy, "spec.abstract", err.Error())
		}
		return nodeinstall.Installed{}, retryable(ReasonCannotLoad, fmt.Errorf("loading AppArmor profile %s: %w", name, err))
	}
	// Recorded after the load succeeded: a failed load must not make the
	// next attempt look unchanged.
	changed, err := nodefs.WriteFileAtomic(state, policy, 0o600)
	if err != nil {
		return nodeinstall.Installed{}, retryable(ReasonWriteFailed, fmt.Errorf("recording loaded AppArmor profile %s: %w", name, err))
	}
	return nodeinstall.Installed{Location: name, Changed: changed}, nil
}

// claim refuses a name spo may not load (MayLoad) and, the first time,
// records the claim before anything is loaded: a load that succeeds and a
// state write that fails must not leave a profile spo loaded looking like
// someone else's. The empty claim also makes the next Install count as a
// change.
func (in *Installer) claim(name, state string) error {
	_, err := os.Stat(state)
	ours := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return retryable(ReasonWriteFailed, fmt.Errorf("reading the record of AppArmor profile %s: %w", name, err))
	}
	loaded, err := kernelProfiles(in.KernelProfiles)
	if err != nil {
		return err
	}
	if err := MayLoad(name, ours, loaded); err != nil {
		return err
	}
	if ours {
		return nil
	}
	if _, err := nodefs.WriteFileAtomic(state, nil, 0o600); err != nil {
		return retryable(ReasonWriteFailed, fmt.Errorf("recording the claim of AppArmor profile %s: %w", name, err))
	}
	return nil
}

// usable refuses when the operator has AppArmor off or the node lacks it.
func (in *Installer) usable(ctx context.Context) error {
	if in.Enabled != nil {
		on, err := in.Enabled(ctx)
		if err != nil {
			return fmt.Errorf("reading enableAppArmor: %w", err)
		}
		if !on {
			return newError(ReasonDisabledInOperator, "",
				"AppArmor is disabled in the operator: set enableAppArmor: true in the SecurityProfilesOperatorDaemon")
		}
	}
	if ok, why := in.supported(); !ok {
		return newError(ReasonNotSupportedOnNode, "", why)
	}
	return nil
}

func (in *Installer) parser() Parser {
	if in.Parser != nil {
		return in.Parser
	}
	return ExecParser{}
}

func (in *Installer) supported() (bool, string) {
	if in.Supported != nil {
		return in.Supported()
	}
	return HostSupport.Supported()
}

// Remove unloads p and forgets its text, only when this node's state
// directory records that spo loaded it: a kernel profile of the same name
// that spo did not load (the runtime's, an administrator's) is never
// unloaded. It unloads even when the operator has since turned AppArmor
// off: a deleted profile must not stay in the kernel. On a node without
// AppArmor nothing can be loaded.
func (in *Installer) Remove(ctx context.Context, p *v1.AppArmorProfile) (bool, error) {
	name := ProfileName(p)
	state, err := nodefs.SafeJoin(in.StateDir, name, stateExt)
	if err != nil {
		// No such profile can have been installed.
		return false, nil
	}
	if _, err := os.Stat(state); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("reading the record of AppArmor profile %s: %w", name, err)
	}
	removed := false
	if ok, _ := in.supported(); ok {
		err := in.parser().Remove(ctx, name)
		switch {
		case err == nil:
			removed = true
		case !errors.Is(err, ErrNotLoaded):
			return false, fmt.Errorf("unloading AppArmor profile %s: %w", name, err)
		}
	}
	if _, err := nodefs.RemoveFile(state); err != nil {
		return removed, fmt.Errorf("forgetting AppArmor profile %s: %w", name, err)
	}
	return removed, nil
}

// Loaded returns the text this node last loaded for name, or nil (also
// for a claim whose load has not succeeded yet).
func (in *Installer) Loaded(name string) ([]byte, error) {
	state, err := nodefs.SafeJoin(in.StateDir, name, stateExt)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(state)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(data) == 0) {
		return nil, nil
	}
	return data, err
}
