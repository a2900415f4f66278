package bpfrecorder

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// bpfTotal counts collections: one per syscall set handed out per mount
// namespace, so a dashboard sees recordings finish per node and profile.
var bpfTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "security_profiles_operator_seccomp_profile_bpf_total",
	Help: "Syscall sets collected by the eBPF recorder, per mount namespace and profile.",
}, []string{"node", "mount_namespace", "profile"})

func init() {
	metrics.Registry.MustRegister(bpfTotal)
}

func countCollection(node string, mntns uint32, profile string) {
	bpfTotal.WithLabelValues(node, strconv.FormatUint(uint64(mntns), 10), profile).Inc()
}
