package selinux

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// ReasonModuleNameConflict: a SelinuxProfile and a RawSelinuxProfile have
// the same name, and the other one owns the module (see ownsModule).
const ReasonModuleNameConflict = "ModuleNameConflict"

// Kinds, as they appear in conflict messages.
const (
	kindProfile = "SelinuxProfile"
	kindRaw     = "RawSelinuxProfile"
)

// claim is one object that wants module <name> on the node.
type claim struct {
	kind    string
	created metav1.Time
}

// ownsModule says whether mine, rather than other (an object of the other
// kind and the same name), owns the module both would be installed as.
//
// Both kinds install "(block <name> ...)" as <name>.cil, and pods use
// <name>.process (status.usage), as in SPO 1.0, so the module name cannot
// differ per kind without changing usage; nor can two modules declare one
// block. So one object owns the name: the one created first, and at equal
// creation times (they have a one-second resolution) the SelinuxProfile.
// The rule depends only on the objects, so every node picks the same
// owner whatever order it reconciles in; the owner keeps the name while it
// exists, even disabled or being deleted, so nothing is overwritten when
// it comes back; the other reports Error naming the owner.
func ownsModule(mine, other claim) bool {
	switch {
	case mine.created.Before(&other.created):
		return true
	case other.created.Before(&mine.created):
		return false
	}
	return mine.kind == kindProfile
}

// otherClaim looks up the object of the other kind named name; nil when
// there is none, or when the Config has no way to look.
func (m modules) otherClaim(ctx context.Context, name string) (*claim, error) {
	var (
		obj  metav1.Object
		err  error
		kind string
	)
	switch m.kind {
	case kindProfile:
		if m.cfg.GetRawProfile == nil {
			return nil, nil
		}
		kind = kindRaw
		var p *v1.RawSelinuxProfile
		p, err = m.cfg.GetRawProfile(ctx, name)
		obj = p
	default:
		if m.cfg.GetProfile == nil {
			return nil, nil
		}
		kind = kindProfile
		var p *v1.SelinuxProfile
		p, err = m.cfg.GetProfile(ctx, name)
		obj = p
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("looking for a %s named %s, which would share the module: %w", kind, name, err)
	}
	return &claim{kind: kind, created: obj.GetCreationTimestamp()}, nil
}

// checkOwner refuses to install p's module when an object of the other
// kind owns the name. The error is retried (Retry) because nothing else
// reconciles p when the owner goes away: p is installed on a later try.
func (m modules) checkOwner(ctx context.Context, p metav1.Object) error {
	other, err := m.otherClaim(ctx, p.GetName())
	if err != nil || other == nil {
		return err
	}
	if ownsModule(claim{kind: m.kind, created: p.GetCreationTimestamp()}, *other) {
		return nil
	}
	return &nodeinstall.Error{Reason: ReasonModuleNameConflict, Field: "metadata.name", Retry: true, Message: fmt.Sprintf("%s %s owns SELinux module %s (type %s) on this node: it was created first, and a SelinuxProfile and a RawSelinuxProfile of one name would install the same module; rename this %s, or delete the %s",
		other.kind, p.GetName(), p.GetName(), Usage(p.GetName()), m.kind, other.kind)}
}

// checkAncestorsOwn refuses p when a SelinuxProfile it inherits lost its
// name to a RawSelinuxProfile: the block p would inherit on the node is
// the raw one's, not the parent that was checked and meant.
func (m modules) checkAncestorsOwn(ctx context.Context, p *v1.SelinuxProfile, get Getter) error {
	ancestors, err := Resolve(p, get)
	if err != nil {
		return err
	}
	for _, a := range ancestors {
		err := m.checkOwner(ctx, a)
		var e *nodeinstall.Error
		if errors.As(err, &e) {
			return &nodeinstall.Error{Reason: ReasonModuleNameConflict, Field: "spec.inherit", Retry: true,
				Message: fmt.Sprintf("inherited SelinuxProfile %s does not own its module on this node: %s", a.Name, e.Message)}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
