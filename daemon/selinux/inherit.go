package selinux

import (
	"fmt"

	v1 "github.com/secprofiles/spo/api/v1"
)

// planInherits returns the blocks spec's module inherits, in spec order.
//
// A blockinherit copies the whole block, declarations included, so a
// block may reach a module only once: inheriting "container" twice (once
// directly, once through a parent profile built on it) makes secilc fail
// with "Re-declaration of type process". So a repeated entry, and a
// System template that a SelinuxProfile parent already brings, are left
// out (same rules, once),
// and two parents that both bring one block are refused, since no
// rendering can merge them. byName holds every ancestor (Resolve).
func planInherits(spec *v1.SelinuxProfileSpec, byName map[string]*v1.SelinuxProfile) ([]string, error) {
	refs := inherits(spec)
	brought := map[string]int{} // block -> index of the parent bringing it
	for i, ref := range refs {
		if ref.Kind != v1.PolicyRefSelinuxProfile || repeated(refs, i) {
			continue
		}
		for block := range closure(ref.Name, byName, map[string]bool{}) {
			if j, dup := brought[block]; dup {
				return nil, newError(ReasonInheritConflict, fmt.Sprintf("spec.inherit[%d].name", i),
					fmt.Sprintf("%q and %q both bring block %q; CIL cannot inherit a block twice (its types would be declared twice)", refs[j].Name, ref.Name, block))
			}
			brought[block] = i
		}
	}
	blocks := make([]string, 0, len(refs))
	for i, ref := range refs {
		if _, dup := brought[ref.Name]; (dup && ref.Kind != v1.PolicyRefSelinuxProfile) || repeated(refs, i) {
			continue
		}
		blocks = append(blocks, ref.Name)
	}
	return blocks, nil
}

// closure returns the block name and every block it inherits, directly
// or not. Resolve has already refused cycles; seen guards anyway.
func closure(name string, byName map[string]*v1.SelinuxProfile, seen map[string]bool) map[string]bool {
	if seen[name] {
		return seen
	}
	seen[name] = true
	p, ok := byName[name]
	if !ok {
		return seen // a System template
	}
	for _, ref := range inherits(&p.Spec) {
		closure(ref.Name, byName, seen)
	}
	return seen
}

// repeated says whether refs[i] names a block an earlier entry names: a
// repeat adds nothing and would declare the block's types twice.
func repeated(refs []v1.PolicyRef, i int) bool {
	for _, r := range refs[:i] {
		if r.Name == refs[i].Name {
			return true
		}
	}
	return false
}
