package selinux

import (
	"bytes"
	"fmt"
	"slices"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/daemon/nodeinstall"
)

// The module layout follows what SPO 1.0 and udica render, so modules
// written by either are interchangeable on a node:
//
//	(block <name>
//	(blockinherit container)
//	(typepermissive process)
//	(allow process var_log_t ( dir ( getattr open read )))
//	)
//
// "process" is the type the inherited container template declares inside
// the block, so <name>.process is the type pods run as. CIL reference:
// https://github.com/SELinuxProject/selinux/blob/main/secilc/docs/cil_container_statements.md
// (block, blockinherit) and cil_type_statements.md (typepermissive).

// Usage is the SELinux type a pod puts in seLinuxOptions.type to run under
// the module installed for the profile called name (status.usage).
func Usage(name string) string { return name + ".process" }

// Translate checks p (syntax, the SPOD's limits in opts, its inherit
// graph through get) and renders its CIL module. Every problem with a
// profile is a *nodeinstall.Error; other errors come from get.
func Translate(p *v1.SelinuxProfile, opts Options, get Getter) ([]byte, error) {
	if err := ValidateName(p.Name); err != nil {
		return nil, err
	}
	if err := validateInherits(&p.Spec); err != nil {
		return nil, err
	}
	rules := sortedRules(p.Spec.Allow)
	if err := validateAllow(rules); err != nil {
		return nil, err
	}
	if err := checkPolicy(&p.Spec, rules, opts); err != nil {
		return nil, err
	}
	ancestors, err := Resolve(p, get)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*v1.SelinuxProfile, len(ancestors))
	for _, a := range ancestors {
		byName[a.Name] = a
	}
	for _, a := range ancestors {
		if err := checkAncestor(a, opts, byName); err != nil {
			return nil, err
		}
	}
	blocks, err := planInherits(&p.Spec, byName)
	if err != nil {
		return nil, err
	}
	return render(p.Name, p.Spec.Mode, rules, blocks), nil
}

// checkAncestor holds an inherited profile to the same rules as p, since
// blockinherit copies its rules into p's module; the error names the
// ancestor's field and points at p's inherit list.
func checkAncestor(a *v1.SelinuxProfile, opts Options, byName map[string]*v1.SelinuxProfile) error {
	err := Validate(a.Name, &a.Spec)
	if err == nil {
		err = CheckPolicy(&a.Spec, opts)
	}
	if err == nil {
		_, err = planInherits(&a.Spec, byName)
	}
	e, ok := err.(*nodeinstall.Error)
	if !ok {
		return err
	}
	return newError(e.Reason, "spec.inherit",
		fmt.Sprintf("inherited SelinuxProfile %q: %s", a.Name, e.Error()))
}

// Render writes the CIL module for a validated spec. Output is
// deterministic (types, classes and permissions sorted, permissions
// deduplicated) so that an unchanged profile rewrites an identical file
// and selinuxd, which compares checksums, does nothing.
func Render(name string, spec *v1.SelinuxProfileSpec) []byte {
	refs := inherits(spec)
	blocks := make([]string, len(refs))
	for i, ref := range refs {
		blocks[i] = ref.Name
	}
	return render(name, spec.Mode, sortedRules(spec.Allow), blocks)
}

func render(name string, mode v1.SelinuxMode, rules []rule, blocks []string) []byte {
	var b bytes.Buffer
	b.Grow(64 + 32*len(blocks) + 80*len(rules))
	b.WriteString("(block ")
	b.WriteString(name)
	b.WriteByte('\n')
	for _, block := range blocks {
		b.WriteString("(blockinherit ")
		b.WriteString(block)
		b.WriteString(")\n")
	}
	if mode == v1.SelinuxPermissive {
		b.WriteString("(typepermissive process)\n")
	}
	self := Usage(name)
	var perms []string
	for _, r := range rules {
		target := string(r.typ)
		if r.typ == SelfType {
			target = self
		}
		perms = append(perms[:0], r.perms...)
		slices.Sort(perms)
		writeAllow(&b, target, string(r.class), slices.Compact(perms))
	}
	b.WriteString(")\n")
	return b.Bytes()
}

// writeAllow writes "(allow process <target> ( <class> ( <perms> )))",
// spaced the way SPO writes it.
func writeAllow(b *bytes.Buffer, target, class string, perms []string) {
	b.WriteString("(allow process ")
	b.WriteString(target)
	b.WriteString(" ( ")
	b.WriteString(class)
	b.WriteString(" (")
	for _, p := range perms {
		b.WriteByte(' ')
		b.WriteString(p)
	}
	b.WriteString(" )))\n")
}
