package audit

// parseAppArmor parses an AppArmor body: apparmor="DENIED"
// operation="open" profile="..." name="..." pid=... comm="..."
// requested_mask="r" denied_mask="r", plus capname= for capabilities and
// family= sock_type= protocol= for network operations.
func parseAppArmor(f fields) (*AppArmor, error) {
	p := &numParser{f: f}
	p.require("operation")
	a := &AppArmor{
		PID:           p.int("pid"),
		Comm:          untrustedField(f, "comm"),
		Result:        str(f, "apparmor"),
		Operation:     str(f, "operation"),
		Profile:       untrustedField(f, "profile"),
		Name:          untrustedField(f, "name"),
		RequestedMask: str(f, "requested_mask"),
		DeniedMask:    str(f, "denied_mask"),
		Capability:    str(f, "capname"),
		Family:        str(f, "family"),
		SockType:      str(f, "sock_type"),
		Protocol:      p.int("protocol"),
	}
	// Userspace mediators (dbus) name the confining profile "label".
	if _, ok := f.get("profile"); !ok {
		a.Profile = untrustedField(f, "label")
	}
	if p.err != nil {
		return nil, p.err
	}
	return a, nil
}
