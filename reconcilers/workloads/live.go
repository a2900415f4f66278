package workloads

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	// livePageSize is how many pods one page of the live List carries.
	// Whole pods are read (the profile references are in the spec), so a
	// page of 500 is a few megabytes at most and the reconciler holds one
	// page at a time.
	livePageSize = 500

	// LiveRecheck is how long a profile being deleted waits for the cache
	// when the live List found a pod the cache has not shown yet. The
	// cache's own event for that pod normally comes first (milliseconds);
	// this bounds the wait when it never comes, e.g. a pod created and
	// deleted while the informer was relisting.
	LiveRecheck = 5 * time.Second
)

// errNoAPIReader is returned when a Reconciler built without
// SetupWithManager has no APIReader: a release that cannot be confirmed is
// not done.
var errNoAPIReader = errors.New("no APIReader to confirm the release with")

// mustConfirm reports whether the cache's answer must be checked against
// the API server before it is acted on. Only one answer is dangerous: that
// no pod uses a profile being deleted, whose in-use finalizer is then
// released, and once released it can never come back (the API server adds
// no finalizer to an object being deleted). Everywhere else the cache is
// enough: a profile not being deleted that loses its finalizer too early
// gains it again when the cache shows the pod, and keeping a finalizer a
// little too long only delays a deletion.
func mustConfirm(deleting, holds bool, cachedUsers int) bool {
	return deleting && holds && cachedUsers == 0
}

// notFinished leaves pods that finished out of the live List on the
// server side; MayRun would drop them anyway.
var notFinished = fields.AndSelectors(
	fields.OneTermNotEqualSelector("status.phase", string(corev1.PodSucceeded)),
	fields.OneTermNotEqualSelector("status.phase", string(corev1.PodFailed)),
)

// liveUsersOf is usersOf read from the API server instead of the cache:
// the pods that may still run under the named profile, sorted as
// "namespace/name". It lists every pod not finished in the namespaces the
// reconciler watches (all of them by default), page by page, because no
// field selector or index on the server finds pods by profile: it is the
// cost of one release of a profile being deleted.
func (r *Reconciler) liveUsersOf(ctx context.Context, name string) ([]string, error) {
	if r.APIReader == nil {
		return nil, errNoAPIReader
	}
	namespaces := r.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{""} // every namespace
	}
	var users []string
	for _, ns := range namespaces {
		found, err := liveUsersIn(ctx, r.APIReader, r.kind(), name, ns, r.livePageSize())
		if err != nil {
			return nil, err
		}
		users = append(users, found...)
	}
	slices.Sort(users)
	return users, nil
}

func (r *Reconciler) livePageSize() int64 {
	if r.pageSize > 0 {
		return r.pageSize
	}
	return livePageSize
}

// liveUsersIn pages through the pods of namespace ns ("" for all) that have
// not finished, pageSize at a time, and returns those that use the named
// profile of kind k and may still run. The pages are one consistent
// snapshot: the server serves every continuation at the first page's
// resourceVersion (or fails with 410 Gone once that is compacted, and the
// reconcile is retried).
func liveUsersIn(ctx context.Context, reader client.Reader, k Kind, name, ns string, pageSize int64) ([]string, error) {
	var users []string
	opts := []client.ListOption{client.Limit(pageSize), client.MatchingFieldsSelector{Selector: notFinished}}
	if ns != "" {
		opts = append(opts, client.InNamespace(ns))
	}
	cont := ""
	for {
		var pods corev1.PodList
		if err := reader.List(ctx, &pods, append(opts, client.Continue(cont))...); err != nil {
			return nil, fmt.Errorf("listing pods from the API server to confirm no pod uses %s %s: %w", k.Name, name, err)
		}
		for i := range pods.Items {
			pod := &pods.Items[i]
			if MayRun(pod) && slices.Contains(k.UsedBy(pod), name) {
				users = append(users, pod.Namespace+"/"+pod.Name)
			}
		}
		if cont = pods.Continue; cont == "" {
			return users, nil
		}
	}
}
