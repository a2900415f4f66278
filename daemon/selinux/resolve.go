package selinux

import (
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	v1 "github.com/secprofiles/spo/api/v1"
)

// MaxChainLength is the most profiles an inherit path may hold, counting
// the profile itself: the same limit as seccomp's baseProfileName chains.
const MaxChainLength = 15

// Getter returns the SelinuxProfile called name, or an error for which
// k8s.io/apimachinery/pkg/api/errors.IsNotFound is true when there is none.
type Getter func(name string) (*v1.SelinuxProfile, error)

// Resolve returns every SelinuxProfile p inherits from, directly or not,
// each once, nearest first. Inheriting is a blockinherit of the parent's
// block, so the parent's module must be installed on the node before p's
// can compile; the caller also checks each ancestor's policy, since its
// rules come along. Problems with the graph are *nodeinstall.Error; other
// Getter errors are returned wrapped, since retrying may help.
func Resolve(p *v1.SelinuxProfile, get Getter) ([]*v1.SelinuxProfile, error) {
	r := resolver{get: get, seen: map[string]bool{}}
	if err := r.walk(p, []string{p.Name}); err != nil {
		return nil, err
	}
	return r.out, nil
}

type resolver struct {
	get  Getter
	seen map[string]bool
	out  []*v1.SelinuxProfile
}

// walk visits cur's SelinuxProfile inherits depth first; path is the
// chain from the root to cur, used for cycle and depth checks and for
// messages.
func (r *resolver) walk(cur *v1.SelinuxProfile, path []string) error {
	for i, ref := range cur.Spec.Inherit {
		if ref.Kind != v1.PolicyRefSelinuxProfile {
			continue
		}
		field := fmt.Sprintf("spec.inherit[%d].name", i)
		if slices.Contains(path, ref.Name) {
			return newError(ReasonInheritCycle, field,
				fmt.Sprintf("inherited profiles form a cycle: %s", chainString(path, ref.Name)))
		}
		if len(path) == MaxChainLength {
			return newError(ReasonInheritTooDeep, field,
				fmt.Sprintf("inherit chain %s is longer than %d profiles", chainString(path, ref.Name), MaxChainLength))
		}
		if r.seen[ref.Name] {
			continue
		}
		parent, err := r.fetch(ref.Name, field, path)
		if err != nil {
			return err
		}
		r.seen[ref.Name] = true
		r.out = append(r.out, parent)
		if err := r.walk(parent, append(slices.Clip(path), ref.Name)); err != nil {
			return err
		}
	}
	return nil
}

func (r *resolver) fetch(name, field string, path []string) (*v1.SelinuxProfile, error) {
	parent, err := r.get(name)
	if apierrors.IsNotFound(err) || (err == nil && parent == nil) {
		return nil, newError(ReasonInheritNotFound, field,
			fmt.Sprintf("inherited SelinuxProfile %q not found (chain %s)", name, chainString(path, name)))
	}
	if err != nil {
		return nil, fmt.Errorf("getting inherited SelinuxProfile %q: %w", name, err)
	}
	return parent, nil
}

func chainString(path []string, next string) string {
	return strings.Join(path, " -> ") + " -> " + next
}

// BuildsOn names the SelinuxProfiles p inherits directly: for
// nodeinstall.Reconciler.BuildsOn, so that a change to a parent (its
// module installed at last, say) reconciles p again.
func BuildsOn(p *v1.SelinuxProfile) []string {
	var names []string
	for _, ref := range p.Spec.Inherit {
		if ref.Kind == v1.PolicyRefSelinuxProfile {
			names = append(names, ref.Name)
		}
	}
	return names
}
