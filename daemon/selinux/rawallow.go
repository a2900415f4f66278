package selinux

import (
	"fmt"
	"slices"
	"strings"
)

// A RawSelinuxProfile is wrapped in "(block <name> ...)", and CIL resolves
// an unqualified name inside a block in the block first and then in the
// global namespace: "(allow container_t shadow_t (file (read)))" in a raw
// policy compiles and grants every container on the node read access to
// shadow_t, as does ".container_t". So the policy is checked against an
// allowlist, statement by statement, and a rule may only give permissions
// to the profile's own types:
//
//   - (blockinherit T): T is "container" or one of the SPOD's
//     selinux.options.allowedSystemProfiles, as for SelinuxProfiles;
//   - (type T), (typeattribute A): declare the profile's own types and
//     attributes (<name>.T); a name with a '.' declares nothing of its own;
//   - (typeattributeset A (T ...)): A is an attribute the profile declares
//     and every member is an own type; no expressions (not, all, ...),
//     which would pull every type on the node into A;
//   - (typepermissive T), (roletype R T): T is an own type;
//   - (allow S T (class (perm ...))): S is an own type or attribute, T
//     anything; class and permissions are spelled out (a named
//     classpermissionset, or an expression such as (not (read)), could
//     hold what the denylist refuses), and the denylist applies;
//   - auditallow, dontaudit, neverallow and the ioctl forms allowx,
//     auditallowx, dontauditx, neverallowx: S is an own type or attribute
//     (a dontaudit on another domain hides its denials from its owner).
//
// Own types are process and socket, which the container templates declare
// in the block, and whatever the policy declares. Everything else is
// refused: typetransition and friends, aliases, macros and calls (a
// global macro may hold anything), optional, booleanif, tunableif,
// nested blocks, blockabstract, in, and every global statement.
var rawStatements = map[string]func(c *rawChecker, n *node) error{
	"blockinherit":     (*rawChecker).blockinherit,
	"type":             (*rawChecker).declaration,
	"typeattribute":    (*rawChecker).declaration,
	"typeattributeset": (*rawChecker).attributeSet,
	"typepermissive":   func(c *rawChecker, n *node) error { return c.ownArg(n, 1, 2) },
	"roletype":         func(c *rawChecker, n *node) error { return c.ownArg(n, 2, 3) },
	"allow":            (*rawChecker).allow,
	"auditallow":       (*rawChecker).avRule,
	"dontaudit":        (*rawChecker).avRule,
	"neverallow":       (*rawChecker).avRule,
	"allowx":           (*rawChecker).avRule,
	"auditallowx":      (*rawChecker).avRule,
	"dontauditx":       (*rawChecker).avRule,
	"neverallowx":      (*rawChecker).avRule,
}

// templateTypes are the types a container template declares in the block.
var templateTypes = []string{"process", "socket"}

// rawChecker holds what the checks of one policy share.
type rawChecker struct {
	opts Options
	// types and attrs are the profile's own names, declared in the block.
	types, attrs map[string]bool
}

func newRawChecker(root *node, opts Options) *rawChecker {
	c := &rawChecker{opts: opts, types: map[string]bool{}, attrs: map[string]bool{}}
	for _, t := range templateTypes {
		c.types[t] = true
	}
	for _, n := range root.list {
		if len(n.list) != 2 || !n.list[1].isAtom() || strings.Contains(n.list[1].atom, ".") {
			continue
		}
		switch n.head() {
		case "type":
			c.types[n.list[1].atom] = true
		case "typeattribute":
			c.attrs[n.list[1].atom] = true
		}
	}
	return c
}

// statement checks one top-level statement of the policy.
func (c *rawChecker) statement(n *node) error {
	if n.isAtom() {
		return c.refuse(n, fmt.Sprintf("%q is not a statement: every statement is a parenthesised list", n.atom))
	}
	head := n.head()
	check, ok := rawStatements[head]
	if !ok {
		what := "an empty list"
		if head != "" {
			what = fmt.Sprintf("%q", head)
		} else if len(n.list) > 0 {
			what = "a list that does not start with a keyword"
		}
		return c.refuse(n, fmt.Sprintf("%s is not allowed in a RawSelinuxProfile: it may hold only %s", what, allowedList()))
	}
	return check(c, n)
}

func allowedList() string {
	names := make([]string, 0, len(rawStatements))
	for k := range rawStatements {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func (c *rawChecker) refuse(n *node, msg string) error {
	return newError(ReasonInvalidPolicy, "spec.policy", fmt.Sprintf("line %d: %s", n.line, msg))
}

func (c *rawChecker) blockinherit(n *node) error {
	if len(n.list) != 2 || !n.list[1].isAtom() {
		return c.refuse(n, "blockinherit takes one block name")
	}
	name := n.list[1].atom
	if !c.opts.systemAllowed(name) {
		return newError(ReasonSystemProfileNotAllowed, "spec.policy",
			fmt.Sprintf("line %d: blockinherit %s: %q is not %q and not in the SecurityProfilesOperatorDaemon's selinux.options.allowedSystemProfiles",
				n.line, name, name, DefaultSystemProfile))
	}
	return nil
}

func (c *rawChecker) declaration(n *node) error {
	if len(n.list) != 2 || !n.list[1].isAtom() || strings.Contains(n.list[1].atom, ".") {
		return c.refuse(n, fmt.Sprintf("%s declares one name of the profile's own, without '.'", n.head()))
	}
	return nil
}

func (c *rawChecker) attributeSet(n *node) error {
	if len(n.list) != 3 || !n.list[1].isAtom() || !c.attrs[n.list[1].atom] {
		return c.refuse(n, "typeattributeset may only fill an attribute the profile declares with typeattribute, not another module's or the system's")
	}
	members := []*node{n.list[2]}
	if !n.list[2].isAtom() {
		members = n.list[2].list
	}
	for _, m := range members {
		if !m.isAtom() || !c.types[m.atom] {
			return c.refuse(n, "typeattributeset may only list the profile's own types (process, socket or types it declares), by name, without expressions")
		}
	}
	return nil
}

// ownArg checks that statement n has want items and its i-th is an own type.
func (c *rawChecker) ownArg(n *node, i, want int) error {
	if len(n.list) != want || !n.list[i].isAtom() || !c.types[n.list[i].atom] {
		return c.refuse(n, fmt.Sprintf("%s may only name a type the profile declares (or process), not another module's or the system's", n.head()))
	}
	return nil
}

// avRule checks the source of an access vector rule.
func (c *rawChecker) avRule(n *node) error {
	if len(n.list) != 4 {
		return c.refuse(n, fmt.Sprintf("%s takes a source, a target and permissions", n.head()))
	}
	src := n.list[1]
	if !src.isAtom() || !(c.types[src.atom] || c.attrs[src.atom]) {
		return c.refuse(n, fmt.Sprintf("%s rule for %s, which is not a type of this profile: a raw policy may only give rules to process, socket and the types and attributes it declares",
			n.head(), short(src)))
	}
	return nil
}

// allow checks an allow rule's source, then its spelled-out permissions
// against the denylist.
func (c *rawChecker) allow(n *node) error {
	if err := c.avRule(n); err != nil {
		return err
	}
	cp := n.list[3]
	if cp.isAtom() || len(cp.list) != 2 || !cp.list[0].isAtom() || cp.list[1].isAtom() {
		return c.refuse(n, "allow must spell out its class and permissions, (class (perm ...)): a named class-permission set may hold permissions that are never allowed")
	}
	class, target := cp.list[0].atom, ""
	if n.list[2].isAtom() {
		target = n.list[2].atom
	}
	for _, p := range cp.list[1].list {
		if !p.isAtom() {
			return c.refuse(n, "allow must list permissions by name: an expression such as (not (...)) may include permissions that are never allowed")
		}
		if why, bad := c.opts.denied(target, class, p.atom); bad {
			return newError(ReasonPermissionNotAllowed, "spec.policy",
				fmt.Sprintf("line %d: %s %s is never allowed: it %s", n.line, class, p.atom, why))
		}
	}
	return nil
}

// short prints an atom, or a list's head, for a message.
func short(n *node) string {
	if n.isAtom() {
		return fmt.Sprintf("%q", n.atom)
	}
	return "a list"
}

// RawInherits returns the blocks a raw policy inherits, for callers with
// no SPOD to decide which templates are allowed (spoc convert).
func RawInherits(policy string) []string {
	root, err := parseCIL(policy)
	if err != nil {
		return nil
	}
	var names []string
	for _, n := range root.list {
		if n.head() == "blockinherit" && len(n.list) == 2 && n.list[1].isAtom() {
			names = append(names, n.list[1].atom)
		}
	}
	return names
}
