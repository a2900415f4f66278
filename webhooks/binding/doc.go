// Package binding is the mutating admission webhook that applies
// ProfileBindings to new pods (webhooks.BindingPath, pods CREATE).
//
// The contract:
//
//   - Inputs are the ProfileBindings in the pod's namespace, read from the
//     cache through the field index IndexImage: a pod with N distinct
//     container images costs N+1 indexed lookups (the images and "*"),
//     whatever the number of bindings in the cluster.
//   - A binding matches a container (init containers included; ephemeral
//     containers do not exist at CREATE) when spec.image equals the
//     container's image exactly and its optional spec.podSelector matches the
//     pod's labels. A binding with image "*" is a pod-level default: it is
//     used only when no container of the pod matched an exact-image binding
//     (whether or not that binding's profile could be applied), and it
//     writes the pod's securityContext instead of a container's, so a
//     container's own value still wins over it (with a warning).
//   - Each binding writes one field: SeccompProfile →
//     seccompProfile{Localhost, status.localhostProfile}; SelinuxProfile and
//     RawSelinuxProfile → seLinuxOptions.type = status.usage (the other
//     seLinuxOptions fields are kept); AppArmorProfile →
//     appArmorProfile{Localhost, AppArmorLocalhostProfile(profile)}. When several
//     bindings want the same field of the same container, the oldest (then
//     the first by name) wins and a warning names the others. Both SELinux
//     kinds write the same field, so they compete with each other.
//   - A different value already in the field (Unconfined and RuntimeDefault
//     included) is replaced, with a warning: a pre-set securityContext must
//     not bypass a binding. The deprecated seccomp and AppArmor annotations
//     are rewritten when present, because the API server refuses a pod whose
//     annotations disagree with its fields.
//   - A profile that does not exist, is not Installed, or has not published
//     its reference yet leaves the container unchanged: the pod is admitted
//     with a warning and a Warning Event (reason ProfileNotInstalled) is
//     recorded on the binding. With Options.DenyNotInstalled the pod is denied
//     with the same message instead. Dry-run requests never record Events.
//   - Admission has no side effects besides those Events (sideEffects:
//     None): the bindings' status.activeWorkloads is maintained by the
//     reconciler in reconcilers/bindings, which uses Bound to ask the same
//     question this package answers.
//   - Every decision is logged with the pod, container, binding, profile and
//     decision; "no binding matched" is logged at V(1).
//
// The decisions are pure functions (choose, plan, apply) over the pod, the
// bindings and what the profiles publish; Handler only fetches their inputs,
// records Events and builds the response.
package binding
