// Package execmetadata is the exec metadata webhook: on pods/exec CONNECT
// (kubectl exec) it rewrites the command to run through the image's env
// binary with SPO_EXEC_REQUEST_UID set to the admission request's UID, so
// that the JSON enricher (daemon/enricher/jsonenricher), which reads the
// variable from /proc/<pid>/environ, can name the exec request in every
// line of the processes it started. The same UID is returned as an audit
// annotation, so the API server's audit log (which names the user) and the
// enricher's lines can be joined on it.
//
// It follows SPO's execmetadata webhook: the same variable, the same env
// prefix, and an occurrence of the variable the user wrote into the
// command is overwritten with the real UID, so a command cannot claim
// another request's UID through its arguments.
//
// The rewrite needs an env binary on the container's PATH; the SPOD's
// enricher.enableExecMetadata turns the webhook off for clusters whose
// images have none.
package execmetadata
