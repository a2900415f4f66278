// Package spodmetrics is the daemon's /metrics-spod endpoint: the metric
// families of the Security Profiles Operator 1.0, with its names, labels
// and label values, so that dashboards and alerts written for SPO keep
// working, and spo's own security_profiles_operator_* families beside them.
//
// The contract:
//
//   - Families lists SPO's eleven families. Their names and label names
//     are SPO's exactly; a label value SPO defines (operation, reason,
//     apparmor) uses SPO's words: Reason maps spo's Reason constants, which
//     node statuses and Events keep, to the reason SPO would have counted.
//   - spo's extras (finer reasons, dropped records, AVC permissions) carry
//     names SPO never used, so a query written for SPO matches only SPO's
//     series.
//   - On the daemon, /metrics-spod serves every security_profiles_operator_*
//     family (the daemon's own and those the node components push) and
//     /metrics everything else (controller-runtime, Go, process), as SPO
//     splits them: a scraper of both paths sees each series once. Both
//     paths sit behind the same authentication (package metricsauth).
//
// docs/metrics.md lists every family; test/generated fails when one is
// missing there.
package spodmetrics
