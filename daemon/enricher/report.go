package enricher

import (
	"strconv"
	"strings"

	"github.com/secprofiles/spo/daemon/enricher/audit"
	"github.com/secprofiles/spo/daemon/enricher/logfilter"
	"github.com/secprofiles/spo/daemon/spodmetrics"
)

// report logs and counts one attributed record, unless a filter drops
// it; the rate limit drops only the log line. A record held with repeats
// (e.n > 1, pending.go) is counted e.n times in the metrics and logged
// once with "repeats": its records differ in nothing the filters, the
// metrics or the line see but the pid, and the line names the first
// record's pid.
func (c *Collector) report(e enriched) {
	r := c.recordOf(e)
	if !c.cfg.Filters.Keep(&r) {
		return
	}
	c.count(e)
	if c.lines.allow(c.cfg.Now()) {
		kv := c.keysAndValues(e)
		if e.n > 1 {
			kv = append(kv, "repeats", e.n)
		}
		c.cfg.Log.Info("audit", kv...)
	}
}

// recordOf is what filters see of a record: the fields of its log line
// (keysAndValues).
func (c *Collector) recordOf(e enriched) logfilter.Record {
	r := logfilter.Record{Type: strings.ToLower(string(e.ev.Kind)), Node: c.cfg.Node, Namespace: e.w.Namespace,
		Pod: e.w.Pod, Container: e.w.Container, ContainerID: e.id, Executable: e.exe}
	switch {
	case e.ev.Seccomp != nil:
		s := e.ev.Seccomp
		r.PID, r.SyscallID, r.Syscall, r.Arch, r.Action = int64(s.PID), s.Syscall, s.SyscallName, s.Arch, s.Action
	case e.ev.AVC != nil:
		a := e.ev.AVC
		r.PID, r.Perm, r.SContext, r.TContext, r.TClass = int64(a.PID), strings.Join(a.Permissions, " "), a.SContext, a.TContext, a.TClass
	case e.ev.AppArmor != nil:
		a := e.ev.AppArmor
		r.PID, r.AppArmor, r.Operation, r.Profile, r.Name = int64(a.PID), a.Result, a.Operation, a.Profile, a.Name
	}
	return r
}

// syscallLabel is the name, or the number when it has none.
func syscallLabel(s *audit.Seccomp) string {
	if s.SyscallName != "" {
		return s.SyscallName
	}
	return strconv.FormatInt(s.Syscall, 10)
}

// count adds the record (e.n times for a held one with repeats) to the
// audit metrics.
func (c *Collector) count(e enriched) {
	node, w := c.cfg.Node, e.w
	n := max(e.n, 1)
	switch {
	case e.ev.Seccomp != nil:
		seccompAudit.WithLabelValues(node, w.Namespace, w.Pod, w.Container, e.exe, syscallLabel(e.ev.Seccomp)).Add(float64(n))
	case e.ev.AVC != nil:
		a := e.ev.AVC
		spodmetrics.SelinuxProfileAudit.WithLabelValues(node, w.Namespace, w.Pod, w.Container, e.exe, a.SContext, a.TContext).Add(float64(n))
		for _, p := range a.Permissions {
			selinuxPermissions.WithLabelValues(node, w.Namespace, w.Pod, w.Container, e.exe, a.TClass, p).Add(float64(n))
		}
	case e.ev.AppArmor != nil:
		a := e.ev.AppArmor
		spodmetrics.ObserveAppArmorAudits(node, w.Namespace, w.Pod, w.Container, e.exe, a.Profile, a.Operation, a.Result, a.Name, n)
	}
}

// keysAndValues is the structured log line of a record: the workload,
// then the kind's own fields.
func (c *Collector) keysAndValues(e enriched) []any {
	kv := []any{"node", c.cfg.Node, "namespace", e.w.Namespace, "pod", e.w.Pod, "container", e.w.Container,
		"containerID", e.id, "executable", e.exe, "type", string(e.ev.Kind)}
	switch {
	case e.ev.Seccomp != nil:
		s := e.ev.Seccomp
		kv = append(kv, "pid", s.PID, "syscallID", s.Syscall, "syscall", s.SyscallName, "arch", s.Arch, "action", s.Action)
		if s.SyscallError != "" {
			kv = append(kv, "syscallError", s.SyscallError)
		}
	case e.ev.AVC != nil:
		a := e.ev.AVC
		kv = append(kv, "pid", a.PID, "denied", a.Denied, "perm", strings.Join(a.Permissions, " "),
			"scontext", a.SContext, "tcontext", a.TContext, "tclass", a.TClass, "permissive", a.Permissive)
	case e.ev.AppArmor != nil:
		a := e.ev.AppArmor
		kv = append(kv, "pid", a.PID, "apparmor", a.Result, "operation", a.Operation, "profile", a.Profile)
		kv = appendSet(kv, "name", a.Name, "requestedMask", a.RequestedMask, "deniedMask", a.DeniedMask,
			"capability", a.Capability, "family", a.Family, "sockType", a.SockType)
		if a.Protocol != 0 {
			kv = append(kv, "protocol", a.Protocol)
		}
	}
	return kv
}

// appendSet appends the key/value pairs whose value is not empty.
func appendSet(kv []any, pairs ...string) []any {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			kv = append(kv, pairs[i], pairs[i+1])
		}
	}
	return kv
}
