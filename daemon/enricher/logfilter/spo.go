package logfilter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Levels of SPO's rules.
const (
	LevelMetadata = "Metadata"
	LevelNone     = "None"
)

// Rule is one entry of SPO's format.
type Rule struct {
	Priority    int       `json:"priority"`
	Level       string    `json:"level"`
	MatchKeys   []string  `json:"matchKeys"`
	MatchValues *[]string `json:"matchValues,omitempty"`

	keys []matchKey
	// texts and numbers are MatchValues for string and numeric keys.
	texts   []string
	numbers []int64
}

type matchKey struct {
	k    key
	only string
}

// Rules are SPO's format, sorted by priority.
type Rules []Rule

func parseSPO(raw []json.RawMessage) (Rules, error) {
	out := make(Rules, 0, len(raw))
	for i, r := range raw {
		rule, err := parseRule(r)
		if err != nil {
			return nil, fmt.Errorf("log filter %d: %w", i, err)
		}
		out = append(out, rule)
	}
	// Lower priority first, as SPO; equal priorities keep list order.
	slices.SortStableFunc(out, func(a, b Rule) int { return a.Priority - b.Priority })
	return out, nil
}

func parseRule(raw json.RawMessage) (Rule, error) {
	var r Rule
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Rule{}, err
	}
	switch r.Level {
	case LevelMetadata, LevelNone:
	case "":
		return Rule{}, errors.New(`field "level": missing (want "Metadata" or "None")`)
	default:
		return Rule{}, fmt.Errorf(`field "level": %q is neither "Metadata" nor "None"`, r.Level)
	}
	if len(r.MatchKeys) == 0 {
		return Rule{}, errors.New(`field "matchKeys": at least one key is required`)
	}
	numeric := false
	for i, name := range r.MatchKeys {
		k, ok := Keys[name]
		if !ok {
			return Rule{}, fmt.Errorf(`field "matchKeys[%d]": %q is not a field of the log enricher's lines (one of %s)`,
				i, name, strings.Join(slices.Sorted(maps.Keys(Keys)), ", "))
		}
		r.keys = append(r.keys, matchKey{k.k, k.only})
		numeric = numeric || k.k.numeric()
	}
	if r.MatchValues == nil {
		return r, nil
	}
	for i, v := range *r.MatchValues {
		r.texts = append(r.texts, v)
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
			r.numbers = append(r.numbers, n)
		} else if numeric && !r.hasTextKey() {
			return Rule{}, fmt.Errorf(`field "matchValues[%d]": %q is not a number, which pid and syscallID are`, i, v)
		}
	}
	return r, nil
}

func (r Rule) hasTextKey() bool {
	return slices.ContainsFunc(r.keys, func(m matchKey) bool { return !m.k.numeric() })
}

// matches: the record has one of the keys with, if values are given, one
// of the values.
func (r *Rule) matches(rec *Record) bool {
	for _, m := range r.keys {
		if m.only != "" && m.only != rec.Type {
			continue
		}
		if r.MatchValues == nil {
			return true
		}
		if m.k.numeric() {
			if slices.Contains(r.numbers, rec.number(m.k)) {
				return true
			}
			continue
		}
		if slices.Contains(r.texts, rec.text(m.k)) {
			return true
		}
	}
	return false
}

// Keep decides whether a record is logged and counted.
func (rs Rules) Keep(rec *Record) bool {
	for i := range rs {
		if rs[i].matches(rec) {
			return rs[i].Level != LevelNone
		}
	}
	return true
}
