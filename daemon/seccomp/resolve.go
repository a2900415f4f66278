package seccomp

import (
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	v1 "github.com/secprofiles/spo/api/v1"
)

// MaxChainLength is the most profiles a baseProfileName chain may hold,
// counting the profile itself (SPO 1.0's limit).
const MaxChainLength = 15

// Getter returns the SeccompProfile called name, or an error for which
// k8s.io/apimachinery/pkg/api/errors.IsNotFound is true when there is none.
type Getter func(name string) (*v1.SeccompProfile, error)

// Resolve returns p's spec with its baseProfileName chain folded in, so the
// result stands alone (its baseProfileName is empty):
//
//   - defaultAction, listener fields and state are p's own;
//   - architectures and flags are the union over the chain, sorted;
//   - syscalls are the base's rules followed by the child's, at every step of
//     the chain, where a child's rule for a name takes that name out of the
//     base's rules (the child wins per syscall, and base rules left without
//     names are dropped).
//
// A disabled base still contributes its rules: disabling a profile stops its
// installation, not the profiles built on it. Errors about the chain are
// *Error; a failing Getter's other errors are returned wrapped, since
// retrying may help. Neither p nor the fetched profiles are modified.
func Resolve(p *v1.SeccompProfile, get Getter) (*v1.SeccompProfileSpec, error) {
	chain, err := collectChain(p, get)
	if err != nil {
		return nil, err
	}
	merged := chain[len(chain)-1].Spec.DeepCopy()
	for i := len(chain) - 2; i >= 0; i-- {
		merged = overlay(merged, chain[i].Spec.DeepCopy())
	}
	merged.BaseProfileName = ""
	merged.Architectures = sortedUnion(merged.Architectures)
	merged.Flags = sortedUnion(merged.Flags)
	return merged, nil
}

// collectChain returns p followed by its bases, nearest first.
func collectChain(p *v1.SeccompProfile, get Getter) ([]*v1.SeccompProfile, error) {
	chain := []*v1.SeccompProfile{p}
	names := []string{p.Name}
	for cur := p; cur.Spec.BaseProfileName != ""; {
		next := cur.Spec.BaseProfileName
		if slices.Contains(names, next) {
			return nil, &Error{Reason: ReasonBaseProfileCycle, Field: "spec.baseProfileName",
				Message: fmt.Sprintf("base profiles form a cycle: %s", chainString(names, next))}
		}
		if len(chain) == MaxChainLength {
			return nil, &Error{Reason: ReasonBaseProfileTooDeep, Field: "spec.baseProfileName",
				Message: fmt.Sprintf("base profile chain %s is longer than %d profiles", chainString(names, next), MaxChainLength)}
		}
		base, err := fetch(get, next, chainString(names, next))
		if err != nil {
			return nil, err
		}
		chain = append(chain, base)
		names = append(names, next)
		cur = base
	}
	return chain, nil
}

func fetch(get Getter, name, chain string) (*v1.SeccompProfile, error) {
	base, err := get(name)
	if apierrors.IsNotFound(err) || (err == nil && base == nil) {
		return nil, &Error{Reason: ReasonBaseProfileNotFound, Field: "spec.baseProfileName",
			Message: fmt.Sprintf("base profile %q not found (chain %s)", name, chain)}
	}
	if err != nil {
		return nil, fmt.Errorf("getting base profile %q: %w", name, err)
	}
	return base, nil
}

func chainString(names []string, next string) string {
	return strings.Join(names, " -> ") + " -> " + next
}

// overlay puts child on top of base; both are copies it may take over.
func overlay(base, child *v1.SeccompProfileSpec) *v1.SeccompProfileSpec {
	overridden := map[string]bool{}
	for _, rule := range child.Syscalls {
		for _, name := range rule.Names {
			overridden[name] = true
		}
	}
	rules := make([]v1.SeccompSyscall, 0, len(base.Syscalls)+len(child.Syscalls))
	for _, rule := range base.Syscalls {
		rule.Names = slices.DeleteFunc(rule.Names, func(n string) bool { return overridden[n] })
		if len(rule.Names) > 0 {
			rules = append(rules, rule)
		}
	}
	child.Syscalls = append(rules, child.Syscalls...)
	if len(child.Syscalls) == 0 {
		child.Syscalls = nil
	}
	child.Architectures = append(child.Architectures, base.Architectures...)
	child.Flags = append(child.Flags, base.Flags...)
	return child
}

// sortedUnion sorts and deduplicates in place; empty gives nil so the field
// stays out of JSON.
func sortedUnion[T ~string](in []T) []T {
	if len(in) == 0 {
		return nil
	}
	slices.Sort(in)
	return slices.Compact(in)
}
