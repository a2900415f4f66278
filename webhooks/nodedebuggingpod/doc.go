// Package nodedebuggingpod is the node debugging pod webhook: on the
// CREATE of a pod that `kubectl debug node/NAME` made, it sets
// SPO_EXEC_REQUEST_UID to the admission request's UID in the environment
// of every container, so that the JSON enricher
// (daemon/enricher/jsonenricher), which reads the variable from
// /proc/<pid>/environ, names the request in the lines of every process the
// debugging session runs on the node. The same UID is returned as an audit
// annotation, so the API server's audit log (which names the user who
// created the pod) and the enricher's lines join on it, as for kubectl
// exec (package execmetadata).
//
// # Contract
//
// Which pods: those labelled app.kubernetes.io/managed-by=kubectl-debug
// (the label kubectl puts on the pods of `kubectl debug node/...`) that
// are already bound to a node (spec.nodeName: kubectl schedules them
// itself). The configuration's objectSelector sends only labelled pods
// (webhooks/config), and the handler checks again, so a SPOD's
// objectSelector option can narrow the webhook but never make it tag
// ordinary pods. A pod that claims the label without being kubectl's
// gains nothing: the value is always the UID of its own CREATE request,
// which the audit log attributes to whoever sent it.
//
// What changes: the env of every container and init container gets one
// SPO_EXEC_REQUEST_UID entry with the request's UID, after the entries it
// had. An entry of that name the pod already had (a literal value, a
// valueFrom, or several) is removed first, so the variable is overwritten,
// never duplicated, and a pod cannot pre-set another request's UID
// (env entries also take precedence over envFrom, so a ConfigMap cannot
// either). What is left alone: every other field, every other variable and
// their order, envFrom, and pods the webhook is not for; ephemeral
// containers do not exist at CREATE.
//
// It follows SPO's nodedebuggingpod.spo.io webhook (same variable, same
// label, same enablement); SPO tags the first container only, spo every
// container, so that a hand-written pod with several containers has all
// its processes attributed. It is enabled with the exec metadata webhook
// (v1.EnricherConfig.ExecMetadataEnabled) and fails open: a debugging pod
// is never refused for want of metadata.
package nodedebuggingpod
