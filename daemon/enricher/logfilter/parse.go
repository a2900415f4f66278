package logfilter

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Set is a parsed logEnricherFilters, in either format.
type Set struct {
	native Filters
	spo    Rules
}

// Parse reads SPOD spec.enricher.logEnricherFilters: "" and "[]" are no
// filters. Errors name the entry's index and the field.
func Parse(s string) (Set, error) {
	if strings.TrimSpace(s) == "" {
		return Set{}, nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return Set{}, fmt.Errorf("log filters: not a JSON list of objects: %w", err)
	}
	native, err := isNative(raw)
	if err != nil {
		return Set{}, err
	}
	if native {
		fs, err := parseNative(raw)
		return Set{native: fs}, err
	}
	rs, err := parseSPO(raw)
	return Set{spo: rs}, err
}

// isNative says whether the list is spo's format: its entries have
// "action". SPO's have none.
func isNative(raw []json.RawMessage) (bool, error) {
	native, spo := -1, -1
	for i, r := range raw {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(r, &fields); err != nil {
			return false, fmt.Errorf("log filter %d: not a JSON object: %w", i, err)
		}
		if _, ok := fields["action"]; ok {
			native = i
		} else {
			spo = i
		}
	}
	if native >= 0 && spo >= 0 {
		return false, fmt.Errorf("log filters mix spo's format (log filter %d has \"action\") and SPO's (log filter %d has none): use one", native, spo)
	}
	return native >= 0, nil
}

// Keep decides whether a record is logged and counted.
func (s Set) Keep(r *Record) bool {
	if s.spo != nil {
		return s.spo.Keep(r)
	}
	return s.native.Keep(r)
}

// Len is the number of entries.
func (s Set) Len() int { return len(s.native) + len(s.spo) }
