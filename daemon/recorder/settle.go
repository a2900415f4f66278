package recorder

import (
	"fmt"
	"time"
)

// AuditSettle is how long after a container is seen finished the daemon
// waits before collecting what the log enricher recorded for it. Audit
// records travel kernel → auditd → log file → enricher with a delay, and
// the last ones a process makes (exit_group above all) come after the
// kubelet already reports it Terminated: collected at once, the profile
// would lack exit_group, and the workload could not exit under it (the
// end-to-end recording test shows exit_group arriving after Terminated).
const AuditSettle = 3 * time.Second

// errSettling asks for the collection to be retried after a while.
type errSettling struct{ after time.Duration }

func (e errSettling) Error() string {
	return fmt.Sprintf("waiting %s for the last audit records", e.after)
}

// settling says how long to wait before collecting st, persisting when
// its container was first seen finished so that a restart does not start
// the wait over (nor skip it).
func (r *Reconciler) settling(st *State) (time.Duration, error) {
	if !st.usesEnricher() {
		return 0, nil
	}
	now := r.now()
	if st.FinishedAt == nil {
		st.FinishedAt = &now
		if err := r.Store.Save(st); err != nil {
			return 0, err
		}
	}
	return st.FinishedAt.Add(r.settle()).Sub(now), nil
}

func (r *Reconciler) settle() time.Duration {
	if r.AuditSettle != 0 {
		return r.AuditSettle
	}
	return AuditSettle
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// requeueAfter takes the settling waits out of errs: the shortest is when
// to come back, the rest are real errors.
func requeueAfter(errs []error) (time.Duration, []error) {
	var after time.Duration
	var rest []error
	for _, err := range flatten(errs) {
		if s, ok := err.(errSettling); ok {
			if after == 0 || s.after < after {
				after = s.after
			}
			continue
		}
		rest = append(rest, err)
	}
	return after, rest
}

// flatten opens joined errors, so that a wait never hides a real error
// joined to it.
func flatten(errs []error) []error {
	var out []error
	for _, err := range errs {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			out = append(out, flatten(j.Unwrap())...)
		} else if err != nil {
			out = append(out, err)
		}
	}
	return out
}
