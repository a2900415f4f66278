package config

import (
	"encoding/json"
	"fmt"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// Server-side apply only reverts fields this manager owns: a webhook entry
// someone added by hand (or left from a static configuration) is theirs
// and would stay. Such entries are removed with a JSON patch instead.

// foreignWebhooks returns the positions, highest first, of the live
// entries that are not among the desired ones.
func foreignWebhooks(live, desired []admissionregistrationv1.MutatingWebhook) []int {
	var out []int
	for i := len(live) - 1; i >= 0; i-- {
		if !slices.ContainsFunc(desired, func(d admissionregistrationv1.MutatingWebhook) bool { return d.Name == live[i].Name }) {
			out = append(out, i)
		}
	}
	return out
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value,omitempty"`
}

// removal is the JSON patch that removes the entries at positions (highest
// first, so earlier removals do not shift later ones). Each removal is
// guarded by a test of the entry's name: if the list changed meanwhile the
// patch fails, rather than removing the wrong entry.
func removal(live []admissionregistrationv1.MutatingWebhook, positions []int) ([]byte, error) {
	ops := make([]patchOp, 0, 2*len(positions))
	for _, i := range positions {
		path := fmt.Sprintf("/webhooks/%d", i)
		ops = append(ops, patchOp{Op: "test", Path: path + "/name", Value: live[i].Name}, patchOp{Op: "remove", Path: path})
	}
	return json.Marshal(ops)
}
