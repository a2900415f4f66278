package logfilter

import (
	"strings"
	"testing"
)

// refusal is a filter list Parse must refuse, with the words its error
// must hold (the entry and field it names).
type refusal struct {
	name, list string
	want       []string
}

func expectRefused(t *testing.T, tests []refusal) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.list)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
