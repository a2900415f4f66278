// Package metricsink gives every node one metrics endpoint: the daemon's.
// The other node components (bpf-recorder, log-enricher) run a Pusher that
// sends their security_profiles_operator_* metric families to the daemon's
// Sink over a Unix socket every interval; the daemon serves them beside its
// own through Gatherer, behind its authenticated metrics server.
//
// The contract:
//
//   - A push replaces what that component pushed before (counters are
//     cumulative, so the latest push is the truth); a component that stops
//     pushing keeps its last values until StaleAfter has passed, then its
//     families are dropped rather than served frozen.
//   - Only families named security_profiles_operator_* are pushed: the Go
//     runtime and process families of another process would collide with
//     the daemon's own.
//   - A push the daemon cannot parse, or that no registry would serve (a
//     series twice, invalid labels), is refused with InvalidArgument and
//     changes nothing.
//   - A pushed family that clashes with one the daemon serves already (its
//     own, or an earlier component's in name order: same name with another
//     type, help or label set, or the same series) is left out of the
//     endpoint, so one component cannot make the node's /metrics fail.
package metricsink
