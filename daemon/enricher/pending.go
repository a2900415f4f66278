package enricher

import (
	"strings"
	"time"

	"github.com/secprofiles/spo/daemon/enricher/audit"
)

// pendingEvents are the records of a container whose pod is not known
// yet: the kubelet writes the container id into the pod status only after
// the container started, and it logs from its first instruction. On a
// real node (kubelet, containerd, runc) a container made 215–229 SECCOMP
// records before its pod status named it, ~200 of them runc init's under
// a log-everything filter; a cap on records dropped the workload's own
// first syscalls whenever the kubelet was slower. So records are held per
// distinct heldKey with a repeat count: what a recording needs (the set
// of syscalls, executables, accesses) is kept however many records there
// are, and memory grows only with distinct records, bounded by
// PendingDistinct.
type pendingEvents struct {
	held  []enriched // in arrival order of their first record; n counts repeats
	index map[heldKey]int
	first time.Time
	// records is how many records held stands for (the sum of the n).
	records int
	// overflow counts records dropped because held had PendingDistinct
	// entries and theirs was a new one.
	overflow int
}

// heldKey is what makes two records of a container the same for
// everything done with them once the pod is known: collect (the
// recording), recordOf (the filters), count (the metrics) and
// keysAndValues (the log line), except the pid. Records of a container
// that differ only in pid, in fields the log line does not show (comm,
// uid, ses, the call site ip) or in time are one held entry; the pid is
// left out on purpose, or a container that forks many short processes
// before its pod is known would fill the bound with the same syscalls.
type heldKey struct {
	kind     audit.Kind
	exe      string
	seccomp  audit.Seccomp
	avc      avcKeyFields
	apparmor audit.AppArmor
}

// avcKeyFields is audit.AVC made comparable (Permissions joined).
type avcKeyFields struct {
	denied, permissive         bool
	perms                      string
	scontext, tcontext, tclass string
}

func keyOf(e *enriched) heldKey {
	k := heldKey{kind: e.ev.Kind, exe: e.exe}
	switch {
	case e.ev.Seccomp != nil:
		k.seccomp = *e.ev.Seccomp
		k.seccomp.Process = audit.Process{}
		k.seccomp.IP = 0
	case e.ev.AVC != nil:
		a := e.ev.AVC
		k.avc = avcKeyFields{denied: a.Denied, permissive: a.Permissive, perms: strings.Join(a.Permissions, " "),
			scontext: a.SContext, tcontext: a.TContext, tclass: a.TClass}
	case e.ev.AppArmor != nil:
		k.apparmor = *e.ev.AppArmor
		k.apparmor.PID, k.apparmor.Comm = 0, ""
	}
	return k
}

// dropNote is a drop to log, and count, once the lock is released.
type dropNote struct {
	msg      string
	id       string
	reason   string // too_old, too_many
	records  int    // records dropped
	distinct int    // held entries they were (0: none were held)
	// overflowed are records of the container dropped earlier for the
	// PendingDistinct bound, already counted.
	overflowed int
	// counted: the metric already has records (dropped one by one).
	counted bool
}

const (
	msgDropped  = "dropped audit records of a container whose pod is not known"
	msgDropping = "dropping audit records of a container whose pod is not known: more distinct records than pendingDistinct"
	msgResolved = "attributed the held audit records of a container, but some were dropped before its pod was known"
)

// hold keeps a record until its pod is known, within the bounds: a
// repeat of a held record only counts; a new record is dropped when the
// container already holds PendingDistinct; when PendingContainers
// containers wait, the longest-waiting one is dropped. Called with c.mu
// held.
func (c *Collector) hold(e enriched) []dropNote {
	var notes []dropNote
	p := c.pending[e.id]
	if p == nil {
		if len(c.pending) >= c.cfg.PendingContainers {
			notes = append(notes, c.dropOldest())
		}
		p = &pendingEvents{first: e.at, index: map[heldKey]int{}}
		c.pending[e.id] = p
	}
	k := keyOf(&e)
	if i, ok := p.index[k]; ok {
		p.held[i].n++
		p.records++
		return notes
	}
	if len(p.held) >= c.cfg.PendingDistinct {
		p.overflow++
		// One line at the first overflow, the metric for every record;
		// the total is logged when the container resolves or expires.
		if p.overflow == 1 {
			notes = append(notes, dropNote{msg: msgDropping, id: e.id, reason: "too_many", records: 1})
		} else {
			droppedEvents.WithLabelValues("too_many").Inc()
		}
		return notes
	}
	e.n = 1
	p.index[k] = len(p.held)
	p.held = append(p.held, e)
	p.records++
	return notes
}

func (c *Collector) dropOldest() dropNote {
	var oldest string
	var at time.Time
	for id, p := range c.pending {
		if oldest == "" || p.first.Before(at) {
			oldest, at = id, p.first
		}
	}
	p := c.pending[oldest]
	delete(c.pending, oldest)
	return p.drop(oldest, "too_many")
}

func (p *pendingEvents) drop(id, reason string) dropNote {
	return dropNote{msg: msgDropped, id: id, reason: reason, records: p.records, distinct: len(p.held), overflowed: p.overflow}
}

// Expire drops the records of containers whose pod did not show up within
// PendingAge: a container of another node's pod cannot run here, so such
// a container is a static pod's, or one outside Kubernetes.
func (c *Collector) Expire() {
	now := c.cfg.Now()
	var notes []dropNote
	c.mu.Lock()
	for id, p := range c.pending {
		if now.Sub(p.first) >= c.cfg.PendingAge {
			notes = append(notes, p.drop(id, "too_old"))
			delete(c.pending, id)
		}
	}
	c.mu.Unlock()
	c.logDropped(notes)
}

func (c *Collector) logDropped(notes []dropNote) {
	for _, n := range notes {
		if !n.counted {
			droppedEvents.WithLabelValues(n.reason).Add(float64(n.records))
		}
		kv := []any{"node", c.cfg.Node, "containerID", n.id, "reason", n.reason, "records", n.records}
		if n.msg == msgDropping {
			kv = append(kv, "pendingDistinct", c.cfg.PendingDistinct)
		} else {
			kv = append(kv, "distinct", n.distinct)
		}
		if n.overflowed > 0 {
			kv = append(kv, "droppedEarlier", n.overflowed)
		}
		c.cfg.Log.Info(n.msg, kv...)
	}
}

// Pending returns how many containers have records waiting for their pod.
func (c *Collector) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}
