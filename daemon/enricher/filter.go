package enricher

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"reflect"
	"strings"
)

// Filter actions.
const (
	ActionKeep = "keep"
	ActionDrop = "drop"
)

// Filter is one entry of the log filter list. Every non-empty field must
// match (path.Match glob) for the entry to apply.
type Filter struct {
	Action     string `json:"action"`
	Kind       string `json:"kind,omitempty"` // seccomp, selinux or apparmor
	Namespace  string `json:"namespace,omitempty"`
	Pod        string `json:"pod,omitempty"`
	Container  string `json:"container,omitempty"`
	Executable string `json:"executable,omitempty"`
	Syscall    string `json:"syscall,omitempty"`   // seccomp: the name, or the number when unresolved
	TClass     string `json:"tclass,omitempty"`    // selinux
	Operation  string `json:"operation,omitempty"` // apparmor
	Profile    string `json:"profile,omitempty"`   // apparmor
}

// Subject is what filters look at: one attributed record.
type Subject struct {
	Kind, Namespace, Pod, Container, Executable string
	Syscall, TClass, Operation, Profile         string
}

// Filters are tried in order; the first entry whose fields all match
// decides. A record no entry matches is kept.
type Filters []Filter

// ParseFilters reads the JSON list of SPOD spec.enricher.logEnricherFilters.
// "" and "[]" are no filters. An unknown field or action, or a bad glob,
// is an error naming the entry's index and the field.
func ParseFilters(s string) (Filters, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("log filters: not a JSON list of objects: %w", err)
	}
	out := make(Filters, 0, len(raw))
	for i, r := range raw {
		f, err := parseFilter(r)
		if err != nil {
			return nil, fmt.Errorf("log filter %d: %w", i, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func parseFilter(r json.RawMessage) (Filter, error) {
	var f Filter
	dec := json.NewDecoder(bytes.NewReader(r))
	// An unknown field is a typo that would otherwise match everything.
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Filter{}, err
	}
	switch f.Action {
	case ActionKeep, ActionDrop:
	case "":
		return Filter{}, errors.New(`field "action": missing (want "keep" or "drop")`)
	default:
		return Filter{}, fmt.Errorf(`field "action": %q is neither "keep" nor "drop"`, f.Action)
	}
	for name, pattern := range f.patterns() {
		if _, err := path.Match(pattern, ""); err != nil {
			return Filter{}, fmt.Errorf("field %q: glob %q: %w", name, pattern, err)
		}
	}
	return f, nil
}

// patterns returns the set match fields by JSON name.
func (f Filter) patterns() map[string]string {
	out := map[string]string{}
	v, t := reflect.ValueOf(f), reflect.TypeOf(f)
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if s := v.Field(i).String(); name != "action" && s != "" {
			out[name] = s
		}
	}
	return out
}

// matches: every set field matches its subject field.
func (f Filter) matches(s Subject) bool {
	for _, c := range [...]struct{ pattern, value string }{
		{f.Kind, s.Kind}, {f.Namespace, s.Namespace}, {f.Pod, s.Pod}, {f.Container, s.Container},
		{f.Executable, s.Executable}, {f.Syscall, s.Syscall}, {f.TClass, s.TClass},
		{f.Operation, s.Operation}, {f.Profile, s.Profile},
	} {
		if c.pattern == "" {
			continue
		}
		if ok, _ := path.Match(c.pattern, c.value); !ok {
			return false
		}
	}
	return true
}

// Keep decides whether a record is logged and counted.
func (fs Filters) Keep(s Subject) bool {
	for _, f := range fs {
		if f.matches(s) {
			return f.Action == ActionKeep
		}
	}
	return true
}
