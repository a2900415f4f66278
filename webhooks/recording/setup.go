package recording

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// Setup registers the handler at webhooks.RecordingPath on the manager's
// webhook server.
func Setup(mgr manager.Manager) error {
	// Registering the informer now lets it start and sync with the cache,
	// instead of on the first admission, which would wait for it. It does
	// not block: the cache has not started yet.
	if _, err := mgr.GetCache().GetInformer(context.Background(), &v1.ProfileRecording{}, cache.BlockUntilSynced(false)); err != nil {
		return fmt.Errorf("watching ProfileRecordings: %w", err)
	}
	mgr.GetWebhookServer().Register(webhooks.RecordingPath,
		&webhook.Admission{Handler: webhooks.Instrument(webhooks.RecordingWebhookName, NewHandler(mgr.GetClient()))})
	return nil
}

// The webhook only reads recordings from its cache.
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings,verbs=get;list;watch
