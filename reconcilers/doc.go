// Package reconcilers wires the manager's controllers. Each controller
// lives in its own subpackage (nodestatus, workloads, bindings,
// recordingmerger, and later spod); this package only registers them and says how
// the manager's cache must be set up for them, so cmd/spo and the
// integration tests run exactly the same manager.
package reconcilers
