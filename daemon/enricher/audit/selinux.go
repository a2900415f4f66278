package audit

import "strings"

// parseAVC parses a kernel AVC body:
// "avc:  denied  { read write } for  pid=... scontext=... tclass=file permissive=0".
func parseAVC(f fields) (*AVC, error) {
	a, err := avcDecision(f)
	if err != nil {
		return nil, err
	}
	p := &numParser{f: f}
	a.Process = process(p)
	return finishAVC(p, a)
}

// parseUserAVC parses a USER_AVC: the sender's identity is outside
// msg='...', the decision inside.
func parseUserAVC(outer, inner fields) (*AVC, error) {
	a, err := avcDecision(inner)
	if err != nil {
		return nil, err
	}
	p := &numParser{f: outer}
	a.Process = process(p)
	a.Exe = untrustedField(inner, "exe")
	if p.err != nil {
		return nil, p.err
	}
	return finishAVC(&numParser{f: inner}, a)
}

func finishAVC(p *numParser, a *AVC) (*AVC, error) {
	p.require("scontext", "tcontext", "tclass")
	a.SContext, a.TContext, a.TClass = str(p.f, "scontext"), str(p.f, "tcontext"), str(p.f, "tclass")
	a.Permissive = p.uint("permissive", 10, 1) == 1
	if p.err != nil {
		return nil, p.err
	}
	return a, nil
}

// avcDecision reads the leading "avc: denied|granted { perms }" words.
func avcDecision(f fields) (*AVC, error) {
	if len(f) < 3 || !f[0].bare || f[0].value != "avc:" || !f[1].bare || !f[2].bare {
		return nil, errorf("AVC without \"avc: denied|granted { ... }\"")
	}
	a := &AVC{}
	switch f[1].value {
	case "denied":
		a.Denied = true
	case "granted":
	default:
		return nil, errorf("AVC decision %q", f[1].value)
	}
	perms, open := strings.CutPrefix(f[2].value, "{")
	perms, closed := strings.CutSuffix(perms, "}")
	if !open || !closed {
		return nil, errorf("AVC without { permissions }")
	}
	a.Permissions = strings.Fields(perms)
	if len(a.Permissions) == 0 {
		return nil, errorf("AVC with no permissions")
	}
	return a, nil
}
