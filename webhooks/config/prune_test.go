package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

func entries(names ...string) []admissionregistrationv1.MutatingWebhook {
	var out []admissionregistrationv1.MutatingWebhook
	for _, n := range names {
		out = append(out, admissionregistrationv1.MutatingWebhook{Name: n})
	}
	return out
}

func TestForeignWebhooks(t *testing.T) {
	desired := entries("binding", "recording")
	tests := map[string]struct {
		live []admissionregistrationv1.MutatingWebhook
		want []int
	}{
		"finds nothing when only desired entries are there":        {entries("binding", "recording"), nil},
		"finds nothing when desired entries are missing":           {entries("binding"), nil},
		"finds an entry added by hand":                             {entries("binding", "hand", "recording"), []int{1}},
		"lists several foreign entries from the last to the first": {entries("a", "binding", "b"), []int{2, 0}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, foreignWebhooks(tc.live, desired)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRemoval(t *testing.T) {
	got, err := removal(entries("a", "binding", "b"), []int{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"op":"test","path":"/webhooks/2/name","value":"b"},{"op":"remove","path":"/webhooks/2"},` +
		`{"op":"test","path":"/webhooks/0/name","value":"a"},{"op":"remove","path":"/webhooks/0"}]`
	if string(got) != want {
		t.Errorf("removal() =\n%s\nwant\n%s", got, want)
	}
}
