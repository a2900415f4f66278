package nodestatus

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/secprofiles/spo/api/v1"
)

func TestWarningCondition(t *testing.T) {
	const skipped = "syscalls unknown on their architecture, which container runtimes skip: SCMP_ARCH_X86_64: stime"
	warned := func(reason, message string) *metav1.Condition {
		return &metav1.Condition{Type: v1.ConditionNodeWarnings, Status: metav1.ConditionTrue,
			Reason: reason, Message: message, ObservedGeneration: 7}
	}
	for name, tt := range map[string]struct {
		reports []v1.SecurityProfileNodeStatus
		want    *metav1.Condition
	}{
		"is absent when no node reports": {},
		"is absent when every node installed it without a warning": {
			reports: []v1.SecurityProfileNodeStatus{report("a", v1.ProfileStateInstalled, "", "")},
		},
		"ignores the reason of a node in Error, which Ready reports": {
			reports: []v1.SecurityProfileNodeStatus{report("a", v1.ProfileStateError, "InvalidAction", "bad")},
		},
		"names the node and its warning, with the node's reason": {
			reports: []v1.SecurityProfileNodeStatus{
				report("b", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
				report("a", v1.ProfileStateInstalled, "", ""),
			},
			want: warned("UnknownSyscalls", "b: "+skipped),
		},
		"lists the nodes that warn alike once": {
			reports: []v1.SecurityProfileNodeStatus{
				report("b", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
				report("a", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
			},
			want: warned("UnknownSyscalls", "a, b: "+skipped),
		},
		"counts the nodes beyond the first three": {
			reports: []v1.SecurityProfileNodeStatus{
				report("e", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
				report("d", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
				report("c", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
				report("b", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
				report("a", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
			},
			want: warned("UnknownSyscalls", "a, b, c and 2 more node(s): "+skipped),
		},
		"keeps nodes with different warnings apart, under the generic reason": {
			reports: []v1.SecurityProfileNodeStatus{
				report("a", v1.ProfileStateInstalled, "UnknownSyscalls", skipped),
				report("b", v1.ProfileStateInstalled, "UnknownSyscalls", "other"),
				report("c", v1.ProfileStateInstalled, "SomethingElse", "else"),
			},
			want: warned("NodeWarnings", "a: "+skipped+"; b: other; c: else"),
		},
	} {
		t.Run(name, func(t *testing.T) {
			if got := WarningCondition(tt.reports, 7); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("WarningCondition() = %+v, want %+v", got, tt.want)
			}
		})
	}
}
