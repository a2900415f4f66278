package recordingmerger

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"

	v1 "github.com/secprofiles/spo/api/v1"
)

// ErrConflict means the profiles cannot be merged without choosing between
// them: the merger would have to guess which replica was right.
var ErrConflict = errors.New("profiles cannot be merged")

// Merge merges the specs of the profiles recorded for one container:
//
//   - defaultAction and baseProfileName must be the same in every profile,
//     otherwise the error wraps ErrConflict;
//   - architectures and flags are the sorted union;
//   - every unconditional SCMP_ACT_ALLOW rule becomes one ALLOW rule, first,
//     with the sorted union of their syscalls;
//   - every other rule is kept once (identical rules are deduplicated), in
//     the order of the profiles given; syscalls that some replica was
//     allowed unconditionally are taken out of them, because one rule per
//     syscall and action is all a filter can hold, and a replica needed
//     them allowed.
//
// state is left empty: it belongs to the recording, not to the replicas.
// Merge is deterministic for a given order of profiles.
func Merge(profiles []v1.SeccompProfile) (v1.SeccompProfileSpec, error) {
	if len(profiles) == 0 {
		return v1.SeccompProfileSpec{}, errors.New("no profiles to merge")
	}
	first := &profiles[0]
	for i := range profiles[1:] {
		p := &profiles[i+1]
		if p.Spec.DefaultAction != first.Spec.DefaultAction {
			return v1.SeccompProfileSpec{}, fmt.Errorf("%w: defaultAction %s of %s differs from %s of %s",
				ErrConflict, p.Spec.DefaultAction, p.Name, first.Spec.DefaultAction, first.Name)
		}
		if p.Spec.BaseProfileName != first.Spec.BaseProfileName {
			return v1.SeccompProfileSpec{}, fmt.Errorf("%w: baseProfileName %q of %s differs from %q of %s",
				ErrConflict, p.Spec.BaseProfileName, p.Name, first.Spec.BaseProfileName, first.Name)
		}
	}
	merged := v1.SeccompProfileSpec{
		DefaultAction:   first.Spec.DefaultAction,
		BaseProfileName: first.Spec.BaseProfileName,
	}
	var allowed []string
	for i := range profiles {
		spec := &profiles[i].Spec
		merged.Architectures = append(merged.Architectures, spec.Architectures...)
		merged.Flags = append(merged.Flags, spec.Flags...)
		allowed = append(allowed, AllowedSyscalls(spec)...)
	}
	merged.Architectures = sortedSet(merged.Architectures)
	merged.Flags = sortedSet(merged.Flags)
	allowed = sortedSet(allowed)
	if len(allowed) > 0 {
		merged.Syscalls = []v1.SeccompSyscall{{Names: allowed, Action: v1.ActAllow}}
	}
	merged.Syscalls = append(merged.Syscalls, otherRules(profiles, allowed)...)
	return merged, nil
}

// AllowedSyscalls returns the syscalls spec allows unconditionally, in rule
// order, possibly repeated. Rules with argument conditions do not count:
// they allow only some calls.
func AllowedSyscalls(spec *v1.SeccompProfileSpec) []string {
	var names []string
	for i := range spec.Syscalls {
		if isPlainAllow(&spec.Syscalls[i]) {
			names = append(names, spec.Syscalls[i].Names...)
		}
	}
	return names
}

func isPlainAllow(rule *v1.SeccompSyscall) bool {
	return rule.Action == v1.ActAllow && len(rule.Args) == 0
}

// otherRules returns the rules that are not plain ALLOW rules, each once,
// without the syscalls in allowed (sorted) when they have no conditions.
func otherRules(profiles []v1.SeccompProfile, allowed []string) []v1.SeccompSyscall {
	var rules []v1.SeccompSyscall
	for i := range profiles {
		for j := range profiles[i].Spec.Syscalls {
			rule := profiles[i].Spec.Syscalls[j].DeepCopy()
			if isPlainAllow(rule) {
				continue
			}
			if len(rule.Args) == 0 {
				rule.Names = slices.DeleteFunc(rule.Names, func(n string) bool {
					_, found := slices.BinarySearch(allowed, n)
					return found
				})
			}
			if len(rule.Names) == 0 || slices.ContainsFunc(rules, func(r v1.SeccompSyscall) bool {
				return equality.Semantic.DeepEqual(r, *rule)
			}) {
				continue
			}
			rules = append(rules, *rule)
		}
	}
	return rules
}

// Coverage returns, for each profile by name, the share of merged's
// unconditionally allowed syscalls that the profile allowed too, rounded to
// two decimals. It tells how representative each replica's run was: a low
// value means that replica exercised little of what the others did. When
// merged allows nothing, every profile covers all of it (1).
func Coverage(merged *v1.SeccompProfileSpec, profiles []v1.SeccompProfile) map[string]float64 {
	total := sortedSet(AllowedSyscalls(merged))
	coverage := make(map[string]float64, len(profiles))
	for i := range profiles {
		if len(total) == 0 {
			coverage[profiles[i].Name] = 1
			continue
		}
		had := 0
		for _, name := range sortedSet(AllowedSyscalls(&profiles[i].Spec)) {
			if _, found := slices.BinarySearch(total, name); found {
				had++
			}
		}
		coverage[profiles[i].Name] = math.Round(float64(had)/float64(len(total))*100) / 100
	}
	return coverage
}

// sortedSet returns the sorted distinct values, or nil for none, so that an
// empty result compares equal to an unset field.
func sortedSet[T cmp.Ordered](values []T) []T {
	if len(values) == 0 {
		return nil
	}
	out := slices.Clone(values)
	slices.Sort(out)
	return slices.Compact(out)
}
