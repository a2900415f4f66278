// Package spod turns the SecurityProfilesOperatorDaemon — the singleton
// "spod" in the operator's namespace — into the node DaemonSet, in the
// manager.
//
// The contract:
//
//   - The SPOD is the single source of configuration. When it is missing
//     (at start or after a delete) the reconciler creates it with Default:
//     every default is written into the object, so `kubectl get spod -o
//     yaml` shows what runs. Invalid settings never reach the reconciler:
//     the CRD refuses them at admission (name other than spod, enums,
//     verbosity 0–10, hostProcVolumePath absolute). SPODs in other
//     namespaces are ignored.
//   - The DaemonSet spo-daemon is a pure function of the SPOD, the image
//     and the namespace (DaemonSet). It always runs the daemon container;
//     a bpf-recorder container only when enricher.enableBpfRecorder, a
//     log-enricher container only when enricher.enableLogEnricher, a
//     no selinuxd: with selinux.enable it runs in DaemonSets of its own,
//     spo-selinuxd-<entry>, one per image in use (selinuxd.go: each node
//     is labelled LabelSelinuxd with the entry of selinux.selinuxdImages,
//     or the built-in mapping, its status.nodeInfo.osImage matches; the
//     label goes and the DaemonSets are deleted when no node needs them). Privileges are given
//     per container, only to the container that needs them (see
//     daemonset.go for each one and why, and docs/security.md for the
//     table the tests hold them to): no container but the privileged
//     selinuxd has CAP_SYS_ADMIN; the bpf-recorder has exactly
//     BpfRecorderCapabilities and no metrics port or flag (it pushes its
//     metrics to the daemon). Every rendered container, webhook included,
//     has CPU and memory requests and a memory limit (the daemon's
//     daemonResourceRequirements are completed from its defaults,
//     CompleteResources), and every image is pinned (PinnedImage: a digest
//     or a tag other than latest; the manager refuses an unpinned
//     --selinuxd-image at start). hostPID and hostNetwork are
//     pod-wide in Kubernetes: the pod has hostPID only while a recorder
//     container runs, and hostNetwork only while the log enricher reads the
//     audit netlink group (logEnricherSource Bpf), which the kernel
//     multicasts in the initial network namespace alone.
//   - The webhook server's Deployment, Service and PodDisruptionBudget
//     spo-webhook are pure functions of the SPOD too (WebhookDeployment,
//     WebhookService, WebhookPodDisruptionBudget): two unprivileged
//     replicas spread over nodes, at least one kept through drains. The
//     MutatingWebhookConfiguration is webhooks/config's.
//   - The metrics Service metrics (SPO's name: ClusterIP, port https 443 →
//     the daemon pods' metrics port) is a pure function of the SPOD too
//     (MetricsService). The ServiceMonitor
//     security-profiles-operator-monitor (ServiceMonitor, scraping /metrics
//     and /metrics-spod; unstructured: spo does not depend on the
//     Prometheus Operator) is
//     rendered only while the API server serves
//     servicemonitors.monitoring.coreos.com, which the manager's
//     RESTMapper finds out at reconcile time: HTTPS with the scraper's
//     ServiceAccount token and no certificate verification (the daemon's
//     certificate is self-signed), or plain HTTP with
//     enableInsecureMetricsAccess, which also passes --insecure-metrics to
//     every spo container. The ServiceMonitor is not watched: a hand edit
//     is reverted at the next reconcile, whatever brings it.
//   - Every container with a health endpoint has a startup probe on its
//     /healthz (up to 5 minutes) besides its liveness and readiness
//     probes; selinuxd has none, it serves only its Unix socket.
//   - Every object is written with server-side apply, field manager
//     spo-manager and forced ownership, and is controlled by the SPOD
//     (owner reference, so it goes when the SPOD goes). The reconciler
//     first applies as a dry run and writes only when the result differs
//     from the live object: a steady state costs no write. A hand edit of
//     a field spo sets (an arg, an image, a capability) is reverted at the
//     next reconcile, which the edit itself triggers (the DaemonSet is
//     watched, as are the webhook objects). Fields spo never sets (an extra annotation, say) are left
//     to whoever set them: that is what server-side apply means.
//   - status.state follows the rollout of the DaemonSet, then of the
//     webhook Deployment (Rollout): Creating until their controllers have
//     seen them and while pods are not ready (available), Updating while an
//     older generation or template still runs somewhere, Pending when no
//     node is meant to run the daemon, Running when every daemon pod and
//     webhook replica is updated and ready, Error when an object cannot be
//     written. The Ready condition is True exactly when
//     the state is Running; its reason is the state. Every state change is
//     an Event on the SPOD.
package spod
