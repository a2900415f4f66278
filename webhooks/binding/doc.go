// Package binding is the mutating admission webhook that applies
// ProfileBindings to pods (webhooks.BindingPath): at pod CREATE, and to the
// ephemeral containers an UPDATE of pods/ephemeralcontainers adds.
//
// The contract:
//
//   - Inputs are the ProfileBindings in the pod's namespace, read from the
//     cache through the field index IndexImage: a pod with N distinct
//     container images costs N+1 indexed lookups (the images and "*"),
//     whatever the number of bindings in the cluster. The rest of an
//     admission is linear in the pod's containers too (one parse per
//     distinct image, one map lookup per container, a patch built from the
//     decisions); BenchmarkBinding30000Containers measures it.
//   - Images are compared by ImageKey: references that name the same image
//     (nginx, nginx:latest, docker.io/library/nginx:latest,
//     index.docker.io/library/nginx:latest) are equal; a digest is never
//     equal to a tag; what does not parse is compared as written.
//   - A binding matches a container (init, regular and ephemeral) when its
//     spec.image names the container's image and its optional
//     spec.podSelector matches the pod's labels. A binding with image "*"
//     applies to every container that no exact-image binding for the same
//     field matched (whether or not that binding's profile could be
//     applied). Every binding writes into the container's own
//     securityContext, never the pod's, so no value a tenant sets in the
//     pod or the container can take precedence over it.
//   - At CREATE every container is decided; at pods/ephemeralcontainers
//     UPDATE only the ephemeral containers the old pod does not have (the
//     API server refuses changes to the others). Other operations and
//     subresources are allowed untouched.
//   - Each binding writes one field: SeccompProfile →
//     seccompProfile{Localhost, status.localhostProfile}; SelinuxProfile and
//     RawSelinuxProfile → seLinuxOptions.type = status.usage (the other
//     seLinuxOptions fields are kept); AppArmorProfile →
//     appArmorProfile{Localhost, AppArmorLocalhostProfile(profile)}. When several
//     bindings want the same field of the same container, the oldest (then
//     the first by name) wins and a warning names the others. Both SELinux
//     kinds write the same field, so they compete with each other.
//   - A different value already in the field (Unconfined and RuntimeDefault
//     included) is replaced, with an admission warning the client sees: a
//     pre-set securityContext must not bypass a binding. The deprecated
//     seccomp and AppArmor annotations are rewritten when present, because
//     the API server refuses a pod whose annotations disagree with its
//     fields. A response carries at most 20 warnings (then a count).
//   - A profile that does not exist, is not Installed, or has not published
//     its reference yet leaves the container unchanged: the pod is admitted
//     with a warning and a Warning Event (reason ProfileNotInstalled) is
//     recorded on the binding. With Options.DenyNotInstalled the pod is denied
//     with the same message instead. Dry-run requests never record Events.
//   - An AdmissionReview above MaxRequestBytes (6 MiB) is denied by
//     LimitRequests, under the request's uid, with a message naming the
//     limit; Setup serves the handler behind it.
//   - Admission has no side effects besides those Events (sideEffects:
//     None): the bindings' status.activeWorkloads is maintained by the
//     reconciler in reconcilers/bindings, which uses Bound to ask the same
//     question this package answers.
//   - Every decision is logged with the pod, container, binding, profile and
//     decision; decisions without a warning that differ only in their
//     container share one line listing the containers, and a binding gets
//     one ProfileNotInstalled Event per admission, however many containers
//     it matched. "No binding matched" is logged at V(1).
//
// The decisions are pure functions (targets, choose, plan, patch) over the
// pod, the bindings and what the profiles publish; Handler only fetches
// their inputs, records Events and builds the response.
package binding
