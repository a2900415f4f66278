package audit

import "strconv"

// numParser collects the first error of a series of numeric fields so
// the record parsers stay flat.
type numParser struct {
	f   fields
	err error
}

func (p *numParser) uint(key string, base, bits int) uint64 {
	t, ok := p.f.get(key)
	if !ok || p.err != nil {
		return 0
	}
	s := t.value
	if base == 16 && len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		s = s[2:]
	}
	v, err := strconv.ParseUint(s, base, bits)
	if err != nil || s == "" || s[0] == '+' {
		p.err = errorf("bad %s=%q", key, t.value)
	}
	return v
}

func (p *numParser) int(key string) int {
	t, ok := p.f.get(key)
	if !ok || p.err != nil {
		return 0
	}
	v, err := strconv.ParseInt(t.value, 10, 32)
	if err != nil || t.value[0] == '+' {
		p.err = errorf("bad %s=%q", key, t.value)
	}
	return int(v)
}

// require records an error when a field is missing.
func (p *numParser) require(keys ...string) {
	for _, k := range keys {
		if _, ok := p.f.get(k); !ok && p.err == nil {
			p.err = errorf("missing %s=", k)
		}
	}
}

func str(f fields, key string) string {
	t, _ := f.get(key)
	return t.value
}

func untrustedField(f fields, key string) string {
	t, _ := f.get(key)
	return untrusted(t)
}

// process reads the fields every record kind shares.
func process(p *numParser) Process {
	return Process{
		PID:  p.int("pid"),
		UID:  uint32(p.uint("uid", 10, 32)),
		AUID: uint32(p.uint("auid", 10, 32)),
		Ses:  uint32(p.uint("ses", 10, 32)),
		Subj: str(p.f, "subj"),
		Comm: untrustedField(p.f, "comm"),
		Exe:  untrustedField(p.f, "exe"),
	}
}
