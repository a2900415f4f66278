package audit

import (
	"encoding/hex"
	"strings"
)

// token is one element of a record body: a key=value field, or a bare
// word such as the "avc:", "denied" and "{ read write }" of an AVC.
type token struct {
	key, value string
	// quoted: the value was in double quotes, so it is literal text.
	quoted bool
	bare   bool
}

// fields is a record body split into tokens, with lookups by key (the
// first occurrence wins: nothing we use repeats).
type fields []token

func (f fields) get(key string) (token, bool) {
	for _, t := range f {
		if !t.bare && t.key == key {
			return t, true
		}
	}
	return token{}, false
}

// tokenize splits a body on blanks, keeping "...", '...' and { ... }
// together. It fails only on an unterminated quote or brace.
func tokenize(s string) (fields, error) {
	var out fields
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out, nil
		}
		t, rest, err := nextToken(s)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
		s = rest
	}
}

func nextToken(s string) (token, string, error) {
	if s[0] == '{' {
		end := strings.IndexByte(s, '}')
		if end < 0 {
			return token{}, "", errorf("unterminated { in %q", s)
		}
		return token{value: s[:end+1], bare: true}, s[end+1:], nil
	}
	eq := strings.IndexByte(s, '=')
	blank := strings.IndexAny(s, " \t")
	if eq <= 0 || (blank >= 0 && blank < eq) {
		return bareWord(s)
	}
	key, rest := s[:eq], s[eq+1:]
	if rest != "" && (rest[0] == '"' || rest[0] == '\'') {
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return token{}, "", errorf("unterminated quote in %s=", key)
		}
		return token{key: key, value: rest[1 : end+1], quoted: true}, rest[end+2:], nil
	}
	v, after := cut(rest)
	return token{key: key, value: v}, after, nil
}

func bareWord(s string) (token, string, error) {
	w, rest := cut(s)
	return token{value: w, bare: true}, rest, nil
}

// cut returns s up to the first blank and the rest.
func cut(s string) (string, string) {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// untrusted decodes a string the kernel logs with audit_log_untrustedstring:
// quoted when plain, hex when it holds blanks, quotes or control bytes.
// Unquoted non-hex values ("?", "(null)") are kept as they are.
func untrusted(t token) string {
	if t.quoted || len(t.value)%2 != 0 || t.value == "" {
		return t.value
	}
	for i := 0; i < len(t.value); i++ {
		c := t.value[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'F') {
			return t.value
		}
	}
	b, _ := hex.DecodeString(t.value)
	return string(b)
}
