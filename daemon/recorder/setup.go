package recorder

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/secprofiles/spo/webhooks/recording"
)

// ControllerName names the controller in logs and metrics.
const ControllerName = "recorder"

var recorded = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "security_profiles_operator_recorded_profile_total",
	Help: "Profiles this node recorded (created or extended), by kind.",
}, []string{"kind"})

func init() {
	metrics.Registry.MustRegister(recorded)
}

// SetupWithManager registers the controller. Pods come from the manager's
// cache, which must hold only this node's pods (see TransformPod and the
// daemon's cache options). State records left by a previous run are
// enqueued once the manager starts: their pods may be gone, and then no
// pod event would ever reconcile them.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	pending := make(chan event.GenericEvent)
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		return r.enqueueStates(ctx, pending)
	})); err != nil {
		return err
	}
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		every := r.BpfWatchInterval
		if every <= 0 {
			every = BpfInstanceWatchInterval
		}
		return r.watchBpfInstance(ctx, pending, every)
	})); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&corev1.Pod{}, builder.WithPredicates(hasRecording)).
		WatchesRawSource(source.Channel(pending, &handler.EnqueueRequestForObject{})).
		Complete(r)
}

func (r *Reconciler) enqueueStates(ctx context.Context, out chan<- event.GenericEvent) error {
	states, err := r.Store.List()
	if err != nil {
		// Records that can be read are still worth collecting.
		log.FromContext(ctx).Error(err, "Reading recording state records")
	}
	seen := map[client.ObjectKey]bool{}
	for _, st := range states {
		key := client.ObjectKey{Namespace: st.Namespace, Name: st.Pod}
		if seen[key] {
			continue
		}
		seen[key] = true
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: st.Namespace, Name: st.Pod}}
		select {
		case out <- event.GenericEvent{Object: pod}:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// hasRecording passes events of pods with a recording annotation. Deletes
// always pass: the pod's records must be collected whatever the cache
// last saw.
var hasRecording = predicate.Funcs{
	CreateFunc:  func(e event.CreateEvent) bool { return annotated(e.Object) },
	UpdateFunc:  func(e event.UpdateEvent) bool { return annotated(e.ObjectNew) },
	DeleteFunc:  func(event.DeleteEvent) bool { return true },
	GenericFunc: func(event.GenericEvent) bool { return true },
}

func annotated(o client.Object) bool {
	for k := range o.GetAnnotations() {
		if recording.IsAnnotationKey(k) {
			return true
		}
	}
	return false
}

// NewReconciler wires a Reconciler for the daemon.
func NewReconciler(mgr manager.Manager, stateDir string, services Services) (*Reconciler, error) {
	if stateDir == "" {
		return nil, fmt.Errorf("no recording state directory configured")
	}
	return &Reconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Events:    mgr.GetEventRecorder("spo-recorder"),
		Store:     Store{Dir: stateDir},
		Services:  services,
	}, nil
}
