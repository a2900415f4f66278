package main

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/secprofiles/spo/api/v1"
)

// Coverage answers "is the first profile a superset of the other?" for
// spoc merge --check: every call the other lets run, the first lets run
// too. How a refused call fails (errno, kill, trap) is not compared: a
// different refusal allows nothing more. The answer is conservative: when
// it cannot tell, it says "missing", because a wrong "covers" lets someone
// drop a profile their program needs.
//
// For seccomp the unit is one syscall's treatment: the rules naming it,
// plus the default action when none of them is unconditional (calls no
// conditional rule matches fall through to it). ALLOW and LOG let a call
// run (a logged call still runs). The first covers the other for a
// syscall when
//
//   - it lets every call of it run: an unconditional ALLOW or LOG and no
//     rule with another action; or
//   - every rule of the other's that lets calls run is in the first's with
//     the same action and arguments (compared as sets: a rule with
//     arguments is never matched against one with other arguments, even
//     if its values would be a subset), and the first has no conditional
//     refusal the other lacks (which could cut into those calls).
//
// The default action is checked the same way, as the treatment of every
// syscall neither names. Architectures must be a subset; flags are not
// compared (they change how a filter is loaded or logs, not what it
// allows); a listenerPath the first lacks is reported. SCMP_ACT_ERRNO
// without errnoRet is EPERM, as the daemon installs it.

// seccompRule is one rule for one syscall, comparable.
type seccompRule struct {
	action v1.SeccompAction
	errno  uint
	// args is the sorted conditions, "" for none.
	args string
}

func (r seccompRule) runs() bool { return r.action == v1.ActAllow || r.action == v1.ActLog }

func (r seccompRule) runsAlways() bool { return r.runs() && r.args == "" }

func (r seccompRule) String() string {
	s := string(r.action)
	if r.action == v1.ActErrno || r.errno != 0 {
		s += fmt.Sprintf("(errno %d)", r.errno)
	}
	if r.args != "" {
		s += " if " + r.args
	}
	return s
}

// eperm is the errno of SCMP_ACT_ERRNO without errnoRet.
const eperm = 1

func ruleOf(action v1.SeccompAction, errno *uint, args []v1.SeccompArg) seccompRule {
	r := seccompRule{action: action}
	switch {
	case errno != nil:
		r.errno = *errno
	case action == v1.ActErrno:
		r.errno = eperm
	}
	var conds []string
	for _, a := range args {
		c := fmt.Sprintf("arg%d %s %d", a.Index, a.Op, a.Value)
		if a.Op == "SCMP_CMP_MASKED_EQ" {
			c += fmt.Sprintf(" %d", a.ValueTwo)
		}
		conds = append(conds, c)
	}
	slices.Sort(conds)
	r.args = strings.Join(slices.Compact(conds), " && ")
	return r
}

// treatments maps every syscall spec names to its sorted rules, without
// the default; treatment adds it.
func treatments(spec *v1.SeccompProfileSpec) map[string][]seccompRule {
	out := map[string][]seccompRule{}
	for _, s := range spec.Syscalls {
		r := ruleOf(s.Action, s.ErrnoRet, s.Args)
		for _, n := range s.Names {
			if !slices.Contains(out[n], r) {
				out[n] = append(out[n], r)
			}
		}
	}
	return out
}

func treatment(spec *v1.SeccompProfileSpec, rules []seccompRule) []seccompRule {
	if slices.ContainsFunc(rules, func(r seccompRule) bool { return r.args == "" }) {
		return rules
	}
	return append(slices.Clone(rules), ruleOf(spec.DefaultAction, nil, nil))
}

// seccompCovers is the decision for one syscall's treatments, first and
// other.
func seccompCovers(first, other []seccompRule) bool {
	refuses := func(r seccompRule) bool { return !r.runs() }
	if !slices.ContainsFunc(first, refuses) && slices.ContainsFunc(first, seccompRule.runsAlways) {
		return true
	}
	for _, r := range other {
		if r.runs() && !slices.Contains(first, r) {
			return false
		}
	}
	for _, r := range first {
		if refuses(r) && r.args != "" && !slices.Contains(other, r) {
			return false
		}
	}
	return true
}

// seccompGaps lists what first lacks of other: the architectures, the
// syscalls other runs unconditionally that first does not, the treatment
// of every other syscall that differs, and the default action.
func seccompGaps(first, other *v1.SeccompProfileSpec) []string {
	var gaps []string
	if archs := missing(first.Architectures, other.Architectures); len(archs) > 0 {
		gaps = append(gaps, fmt.Sprintf("architectures %v", archs))
	}
	if other.ListenerPath != "" && other.ListenerPath != first.ListenerPath {
		gaps = append(gaps, fmt.Sprintf("listenerPath %s", other.ListenerPath))
	}
	ft, ot := treatments(first), treatments(other)
	var runs []string
	var differ []string
	for _, name := range sortedKeys(ft, ot) {
		f, o := treatment(first, ft[name]), treatment(other, ot[name])
		if seccompCovers(f, o) {
			continue
		}
		// A syscall the first never runs is listed by name; partial
		// treatments are spelt out.
		if !slices.ContainsFunc(f, seccompRule.runs) && slices.ContainsFunc(o, seccompRule.runsAlways) {
			runs = append(runs, name)
			continue
		}
		differ = append(differ, fmt.Sprintf("syscall %s %s (has %s)", name, rulesString(o), rulesString(f)))
	}
	if len(runs) > 0 {
		gaps = append(gaps, fmt.Sprintf("syscalls %v", runs))
	}
	gaps = append(gaps, differ...)
	fd, od := ruleOf(first.DefaultAction, nil, nil), ruleOf(other.DefaultAction, nil, nil)
	if !seccompCovers([]seccompRule{fd}, []seccompRule{od}) {
		gaps = append(gaps, fmt.Sprintf("defaultAction %s (has %s)", od, fd))
	}
	return gaps
}

func rulesString(rules []seccompRule) string {
	var s []string
	for _, r := range rules {
		s = append(s, r.String())
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// missing is the sorted values of want not in have.
func missing[T ~string](have, want []T) []T {
	var out []T
	for _, w := range want {
		if !slices.Contains(have, w) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

func sortedKeys[K ~string, V any](maps ...map[K]V) []K {
	var keys []K
	for _, m := range maps {
		for k := range m {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}
