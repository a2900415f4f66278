package nodestatus

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

// maxWarningNodes is how many node names a warning lists before saying
// how many more there are: on a large cluster every node usually warns
// the same, and a condition message has a size limit.
const maxWarningNodes = 3

// WarningCondition folds what nodes warn about an installed profile (a
// report Installed with a reason, such as seccomp's UnknownSyscalls) into
// the profile's NodeWarnings condition; nil when no node warns. Its reason
// is the nodes' when they agree, NodeWarnings otherwise, and its message
// names the nodes with each distinct warning.
func WarningCondition(reports []v1.SecurityProfileNodeStatus, generation int64) *metav1.Condition {
	type warning struct{ reason, message string }
	nodes := map[warning][]string{}
	for _, r := range reports {
		if r.Status.Status != v1.ProfileStateInstalled || r.Status.Reason == "" {
			continue
		}
		w := warning{r.Status.Reason, r.Status.Message}
		nodes[w] = append(nodes[w], r.Spec.NodeName)
	}
	if len(nodes) == 0 {
		return nil
	}
	reasons := map[string]bool{}
	parts := make([]string, 0, len(nodes))
	for w, names := range nodes {
		reasons[w.reason] = true
		sort.Strings(names)
		parts = append(parts, fmt.Sprintf("%s: %s", nodeList(names), w.message))
	}
	sort.Strings(parts)
	reason := v1.ConditionNodeWarnings
	if len(reasons) == 1 {
		for r := range reasons {
			reason = r
		}
	}
	return &metav1.Condition{
		Type:               v1.ConditionNodeWarnings,
		Status:             metav1.ConditionTrue,
		Reason:             reason,
		Message:            strings.Join(parts, "; "),
		ObservedGeneration: generation,
	}
}

// nodeList names the first few of the sorted nodes and counts the rest.
func nodeList(names []string) string {
	if len(names) <= maxWarningNodes {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more node(s)", strings.Join(names[:maxWarningNodes], ", "), len(names)-maxWarningNodes)
}
