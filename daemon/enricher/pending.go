package enricher

import "time"

// pendingEvents are the records of a container whose pod is not known
// yet: the kubelet writes the container id into the pod status only after
// the container started, and it logs from its first instruction.
type pendingEvents struct {
	events []enriched
	first  time.Time
	// overflow counts records dropped because events was full.
	overflow int
}

// dropNote is a drop to log and count once the lock is released.
type dropNote struct {
	id     string
	reason string // too_old, too_many
	count  int
}

// hold keeps a record until its pod is known, within the bounds: when
// the container already holds PendingEvents, the record is dropped; when
// PendingContainers containers wait, the longest-waiting one is dropped.
// Called with c.mu held.
func (c *Collector) hold(e enriched) []dropNote {
	var notes []dropNote
	p := c.pending[e.id]
	if p == nil {
		if len(c.pending) >= c.cfg.PendingContainers {
			notes = append(notes, c.dropOldest())
		}
		p = &pendingEvents{first: e.at}
		c.pending[e.id] = p
	}
	if len(p.events) >= c.cfg.PendingEvents {
		p.overflow++
		// One note for the first overflow: the total is logged when the
		// container expires or resolves.
		if p.overflow == 1 {
			notes = append(notes, dropNote{id: e.id, reason: "too_many", count: 1})
		} else {
			droppedEvents.WithLabelValues("too_many").Inc()
		}
		return notes
	}
	p.events = append(p.events, e)
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
	n := len(c.pending[oldest].events)
	delete(c.pending, oldest)
	return dropNote{id: oldest, reason: "too_many", count: n}
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
			notes = append(notes, dropNote{id: id, reason: "too_old", count: len(p.events)})
			delete(c.pending, id)
		}
	}
	c.mu.Unlock()
	c.logDropped(notes)
}

func (c *Collector) logDropped(notes []dropNote) {
	for _, n := range notes {
		droppedEvents.WithLabelValues(n.reason).Add(float64(n.count))
		c.cfg.Log.Info("dropped audit records of a container whose pod is not known", "node", c.cfg.Node,
			"containerID", n.id, "reason", n.reason, "records", n.count)
	}
}

// Pending returns how many containers have records waiting for their pod.
func (c *Collector) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}
