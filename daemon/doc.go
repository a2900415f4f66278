// Package daemon wires the node-side component. The work is done in the
// subpackages (seccomp, and later selinux, apparmor, recorder); this package
// registers them and sets up the cache so that the daemon only ever sees
// this node's share of the cluster, so cmd/spo and the integration tests run
// exactly the same daemon.
package daemon
