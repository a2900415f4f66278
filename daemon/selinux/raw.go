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
// forbidden statement anywhere, and every top-level statement on the
// allowlist (rawStatements): rules only for the profile's own types,
// templates only those opts allows, no literal allow of a denylisted
// permission.
func ValidateRaw(policy string, opts Options) error {
	root, err := parseCIL(policy)
	if err != nil {
		return newError(ReasonInvalidPolicy, "spec.policy", err.Error())
	}
	var first error
	root.walk(func(n *node) {
		if first != nil {
			return
		}
		if why, bad := forbidden[n.head()]; bad {
			first = newError(ReasonInvalidPolicy, "spec.policy",
				fmt.Sprintf("line %d: %q is not allowed in a profile: it %s", n.line, n.head(), why))
		}
	})
	if first != nil {
		return first
	}
	c := newRawChecker(root, opts)
	for _, n := range root.list {
		if err := c.statement(n); err != nil {
			return err
		}
	}
	return nil
}

// TranslateRaw checks p and wraps its policy in a block named after it,
// indented the way SPO 1.0 does, so the module's types are <name>.<type>.
// opts are the SPOD's limits: the templates it may inherit.
func TranslateRaw(p *v1.RawSelinuxProfile, opts Options) ([]byte, error) {
	if err := ValidateName(p.Name); err != nil {
		return nil, err
	}
	if err := ValidateRaw(p.Spec.Policy, opts); err != nil {
		return nil, err
	}
	body := strings.ReplaceAll(strings.TrimSpace(p.Spec.Policy), "\n", "\n    ")
	return []byte("(block " + p.Name + "\n    " + body + "\n)\n"), nil
}
