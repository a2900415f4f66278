package binding

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// IndexImage is the field index on ProfileBindings by ImageKey(spec.image).
// The cache keys namespaced objects by "namespace/value" as well, so a
// lookup with client.InNamespace and
// client.MatchingFields{IndexImage: ImageKey(image)} finds exactly the
// bindings for that image, however it is spelled, in that namespace.
const IndexImage = "spo.binding.image"

// EventSource is the reporting controller of the Events the webhook records.
const EventSource = "spo-binding-webhook"

// IndexBindings registers IndexImage; call it once per manager, before
// the manager starts.
func IndexBindings(mgr manager.Manager) error {
	err := mgr.GetFieldIndexer().IndexField(context.Background(), &v1.ProfileBinding{}, IndexImage,
		func(o client.Object) []string { return []string{ImageKey(o.(*v1.ProfileBinding).Spec.Image)} })
	if err != nil {
		return fmt.Errorf("indexing ProfileBindings by %s: %w", IndexImage, err)
	}
	return nil
}

// Setup registers the binding handler at webhooks.BindingPath on the
// manager's webhook server, reading through the manager's cache.
func Setup(mgr manager.Manager, opts Options) error {
	if err := IndexBindings(mgr); err != nil {
		return err
	}
	if err := WatchProfiles(mgr); err != nil {
		return err
	}
	h := NewHandler(mgr.GetClient(), mgr.GetEventRecorder(EventSource), opts)
	mgr.GetWebhookServer().Register(webhooks.BindingPath,
		LimitRequests(&webhook.Admission{Handler: webhooks.Instrument(webhooks.BindingWebhookName, h)}))
	return nil
}

// WatchProfiles makes the cache hold every profile kind from the start, so
// the first pod does not wait for an informer to sync and readiness (cache
// synced) means every lookup is served from memory.
func WatchProfiles(mgr manager.Manager) error {
	for _, kind := range ProfileKinds {
		p, err := NewProfile(kind)
		if err != nil {
			return err
		}
		if _, err := mgr.GetCache().GetInformer(context.Background(), p); err != nil {
			return fmt.Errorf("watching %s: %w", kind, err)
		}
	}
	return nil
}

// The webhook reads bindings and profiles from its cache and records Events;
// it writes nothing else.
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilebindings,verbs=get;list;watch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
