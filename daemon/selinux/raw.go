package selinux

import (
	"fmt"
	"strings"

	v1 "github.com/secprofiles/spo/api/v1"
)

// forbidden are CIL statements a RawSelinuxProfile may not contain,
// anywhere. The profile is installed as one block, and these either may
// only appear at the policy's top level (secilc refuses them in a block
// anyway, but later and less clearly) or change the node's policy beyond
// the block: policy-wide settings, users, roles and MLS, object classes,
// constraints, labeling of files, ports and devices that every process
// sees, and "in", which injects statements into another block (such as
// the system's container template). CIL statement reference:
// https://github.com/SELinuxProject/selinux/tree/main/secilc/docs
var forbidden = map[string]string{}

func init() {
	for why, stmts := range map[string][]string{
		"changes a policy-wide setting": {"handleunknown", "mls", "policycap"},
		"declares users or roles, which are global": {"user", "userrole", "userlevel",
			"userrange", "userbounds", "userprefix", "selinuxuser", "selinuxuserdefault",
			"role", "roleattribute", "roleattributeset", "roleallow", "rolebounds",
			"roletransition"},
		"changes MLS sensitivities or categories": {"sensitivity", "sensitivityorder",
			"sensitivitycategory", "category", "categoryorder", "sensitivityalias",
			"sensitivityaliasactual", "categoryalias", "categoryaliasactual", "dominance"},
		"changes object classes or initial SIDs": {"class", "classorder", "common",
			"classcommon", "sid", "sidorder", "sidcontext", "classpermission",
			"classmap", "classmapping"},
		"adds constraints on every process": {"constrain", "mlsconstrain",
			"validatetrans", "mlsvalidatetrans"},
		"relabels files, ports or devices for the whole node": {"filecon", "fsuse",
			"genfscon", "portcon", "netifcon", "nodecon", "ibpkeycon", "ibendportcon",
			"pirqcon", "iomemcon", "ioportcon", "pcidevicecon", "devicetreecon"},
		"adds statements to another block": {"in"},
		"changes how new objects of every process are labeled": {"defaultuser",
			"defaultrole", "defaulttype", "defaultrange"},
	} {
		for _, s := range stmts {
			forbidden[s] = why
		}
	}
}

// ValidateRaw checks a RawSelinuxProfile's policy: well-nested
// parentheses (counting is not enough: ") (x) (" balances but would
// close the wrapping block early and put x at the top level), no
// forbidden statement, typepermissive only on the block's own types, and
// no literal allow rule granting a denylisted permission.
func ValidateRaw(policy string) error {
	root, err := parseCIL(policy)
	if err != nil {
		return newError(ReasonInvalidPolicy, "spec.policy", err.Error())
	}
	declared := map[string]bool{"process": true, "socket": true}
	root.walk(func(n *node) {
		if n.head() == "type" && len(n.list) == 2 && n.list[1].isAtom() {
			declared[n.list[1].atom] = true
		}
	})
	var first error
	root.walk(func(n *node) {
		if first == nil {
			first = checkStatement(n, declared)
		}
	})
	return first
}

func checkStatement(n *node, declared map[string]bool) error {
	head := n.head()
	if why, bad := forbidden[head]; bad {
		return newError(ReasonInvalidPolicy, "spec.policy",
			fmt.Sprintf("line %d: %q is not allowed in a profile: it %s", n.line, head, why))
	}
	switch head {
	case "typepermissive":
		if len(n.list) != 2 || !n.list[1].isAtom() || !declared[n.list[1].atom] {
			return newError(ReasonInvalidPolicy, "spec.policy",
				fmt.Sprintf("line %d: typepermissive may only name a type the profile declares (or process), not another module's or the system's", n.line))
		}
	case "allow":
		// auditallow, dontaudit and neverallow grant nothing.
		return checkRawAllow(n)
	}
	return nil
}

// checkRawAllow applies the denylist to "(allow src tgt (class (perms)))";
// rules using named class-permission sets are left to the SPOD switch
// that admits raw profiles at all.
func checkRawAllow(n *node) error {
	if len(n.list) != 4 || n.list[3].isAtom() || len(n.list[3].list) != 2 {
		return nil
	}
	cp := n.list[3]
	if !cp.list[0].isAtom() || cp.list[1].isAtom() {
		return nil
	}
	for _, p := range cp.list[1].list {
		if !p.isAtom() {
			continue
		}
		if why, bad := denied(cp.list[0].atom, p.atom); bad {
			return newError(ReasonPermissionNotAllowed, "spec.policy",
				fmt.Sprintf("line %d: %s %s is never allowed: it %s", n.line, cp.list[0].atom, p.atom, why))
		}
	}
	return nil
}

// TranslateRaw checks p and wraps its policy in a block named after it,
// indented the way SPO 1.0 does, so the module's types are <name>.<type>.
func TranslateRaw(p *v1.RawSelinuxProfile) ([]byte, error) {
	if err := ValidateName(p.Name); err != nil {
		return nil, err
	}
	if err := ValidateRaw(p.Spec.Policy); err != nil {
		return nil, err
	}
	body := strings.ReplaceAll(strings.TrimSpace(p.Spec.Policy), "\n", "\n    ")
	return []byte("(block " + p.Name + "\n    " + body + "\n)\n"), nil
}
