package logfilter

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

// Filters are spo's own format, tried in order; the first entry whose
// fields all match decides. A record no entry matches is kept.
type Filters []Filter

// parseNative reads a list in spo's format. An unknown field or action,
// or a bad glob, is an error naming the entry's index and the field.
func parseNative(raw []json.RawMessage) (Filters, error) {
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

// matches: every set field matches the record's field.
func (f Filter) matches(r *Record) bool {
	for _, c := range [...]struct{ pattern, value string }{
		{f.Kind, r.Type}, {f.Namespace, r.Namespace}, {f.Pod, r.Pod}, {f.Container, r.Container},
		{f.Executable, r.Executable}, {f.Syscall, r.syscallLabel()}, {f.TClass, r.TClass},
		{f.Operation, r.Operation}, {f.Profile, r.Profile},
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
func (fs Filters) Keep(r *Record) bool {
	for _, f := range fs {
		if f.matches(r) {
			return f.Action == ActionKeep
		}
	}
	return true
}
