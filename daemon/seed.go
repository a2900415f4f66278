package daemon

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/secprofiles/spo/daemon/selinux"
)

// Events on the Node about spo's own SELinux modules.
const (
	ReasonSelinuxSeedFailed    = "SelinuxTemplatesNotInstalled"
	ReasonSelinuxSeedInstalled = "SelinuxTemplatesInstalled"
)

// seedRunner installs spo's SELinux modules (container templates and the
// recording domain, selinux.Seed) at daemon start and checks them again
// every seedRecheck (every seedRetry while they are not in place), so a
// module file someone removed or changed is put back. It acts only while
// the node runs SELinux and the SPOD's selinux.enable is on (selinuxd
// runs only then). A failure is logged and becomes a Warning Event on the
// Node once per distinct message; every SELinux profile on the node then
// reports it too (ReasonSeedNotInstalled in its node status), since each
// profile install asks the Seed first.
type seedRunner struct {
	seed      *selinux.Seed
	supported func() (bool, string)
	enabled   func(context.Context) (bool, error)
	events    events.EventRecorder
	node      string
}

const (
	seedRecheck = 10 * time.Minute
	seedRetry   = 30 * time.Second
)

func (r seedRunner) Start(ctx context.Context) error {
	logger := log.FromContext(ctx).WithName("selinux-seed")
	var last string // the message last reported; "" after success
	for {
		wait := seedRecheck
		if err := r.once(ctx); err != nil && ctx.Err() == nil {
			wait = seedRetry
			if err.Error() != last {
				logger.Error(err, "spo's SELinux templates are not installed on this node: no SELinux profile can be installed here until they are")
				r.events.Eventf(r.nodeRef(), nil, corev1.EventTypeWarning, ReasonSelinuxSeedFailed, "Install", "%v", err)
				last = err.Error()
			}
		} else if err == nil && last != "" {
			logger.Info("spo's SELinux templates are installed")
			r.events.Eventf(r.nodeRef(), nil, corev1.EventTypeNormal, ReasonSelinuxSeedInstalled, "Install",
				"spo's SELinux container templates and recording domain are installed")
			last = ""
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// once installs the seed when SELinux is on, here and in the SPOD.
func (r seedRunner) once(ctx context.Context) error {
	if ok, _ := r.supported(); !ok {
		return nil
	}
	on, err := r.enabled(ctx)
	if err != nil || !on {
		return err
	}
	r.seed.Retry() // a periodic check always looks at the node
	return r.seed.Ensure(ctx)
}

func (r seedRunner) nodeRef() *corev1.Node {
	return &corev1.Node{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: metav1.ObjectMeta{Name: r.node}}
}

// NeedLeaderElection is false: every daemon seeds its own node.
func (seedRunner) NeedLeaderElection() bool { return false }
