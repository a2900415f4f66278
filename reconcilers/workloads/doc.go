// Package workloads tracks which pods use which profile, of every kind
// (Kinds: SeccompProfile, SelinuxProfile, RawSelinuxProfile,
// AppArmorProfile), so that a profile cannot disappear from the nodes while
// a container may still need it, whether it is deleted or disabled
// (daemon/nodeinstall keeps what holds v1.FinalizerInUse).
//
// The contract:
//
//   - A pod uses SeccompProfile "X" when its pod-level seccompProfile, or that
//     of any container, init container or ephemeral container, is
//     {type: Localhost, localhostProfile: "operator/X.json"}: the value the
//     operator publishes in the profile's status.localhostProfile, in any
//     spelling the kubelet resolves to the same file ("operator/./X.json",
//     "operator//X.json", "/operator/X.json": the path is cleaned first).
//     Other localhost files are not ours and are ignored (SeccompProfilesOf).
//   - A pod uses SelinuxProfile and RawSelinuxProfile "X" when a
//     seLinuxOptions.type (pod or any container) is "X.process", their
//     status.usage (SelinuxProfilesOf); AppArmorProfile "X" when an
//     appArmorProfile (pod or any container) is {type: Localhost,
//     localhostProfile: "X"} or a deprecated
//     container.apparmor.security.beta.kubernetes.io/ annotation is
//     "localhost/X" (AppArmorProfilesOf).
//   - A pod stops using its profiles once it has finished (phase Succeeded or
//     Failed), or once it is being deleted and every one of its containers
//     has terminated. A pod that is merely being deleted still counts: its
//     containers may run until the kubelet stops them (MayRun).
//   - The reconciler writes the pods that use a profile, as sorted
//     "namespace/name", to status.activeWorkloads, and holds the finalizer
//     v1.FinalizerInUse on the profile exactly while that list is not
//     empty. It owns only those two things: status.status and the conditions
//     belong to the nodestatus reconciler, and the patches sent here never
//     contain them.
//   - A profile that is already being deleted never gains the finalizer: a
//     pod created after the user deleted the profile must not keep it alive.
//     Such a pod fails to start once the nodes remove the file, which is the
//     answer the user asked for by deleting the profile.
//   - The pods are read from the manager's cache, with one exception. The
//     cache may lag: a pod created moments before its profile is deleted
//     may not be in it yet when the deletion is reconciled. Releasing the
//     finalizer then would be final (the API server adds no finalizer to an
//     object being deleted), and the nodes would remove the file the new
//     pod starts under. So before the finalizer of a profile being deleted
//     is released (mustConfirm), the pods are listed once more from the API
//     server, bypassing the cache (Reconciler.APIReader, liveUsersOf), and
//     the same UsedBy and MayRun decide. If that live read finds a pod, the
//     finalizer stays, status.activeWorkloads names the pods it found, and
//     the profile is reconciled again when the cache shows the pod's events,
//     or after LiveRecheck at the latest; it is released once a read finds
//     none. Every other reconcile reads the cache only: a profile not being
//     deleted that lost its finalizer too early gains it again as soon as
//     the cache shows the pod.
//   - The cost of that read: one List of every pod that has not finished
//     (a field selector on status.phase leaves Succeeded and Failed out on
//     the server) in the namespaces the manager caches pods from
//     (Reconciler.Namespaces; all by default), in pages of livePageSize,
//     per release of a profile being deleted, plus one per LiveRecheck
//     while it finds a pod the cache lacks. Whole pods are read (a
//     metadata-only List would not do: the profile references are in the
//     spec), one page at a time. Deleting a profile is rare, so this is a
//     few megabytes from the API server per deletion even in a large
//     cluster. RBAC: listing pods cluster-wide, which the cache needs
//     anyway.
//   - What stays: a profile that holds no finalizer when it is deleted (the
//     cache showed no pod using it) cannot gain one, so a pod created
//     moments before the deletion of a profile that no pod used, and that
//     the cache had not shown yet, is treated like a pod created after the
//     deletion.
//
// One Reconciler runs per Kind (SetupAll). The manager caches every pod in
// the cluster (or of the namespaces it is restricted to) for this;
// TransformPod strips cached pods down to the fields this package (and the
// binding-status reconciler) read, and must be installed on the manager's
// cache for pods.
package workloads
