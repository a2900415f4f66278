package nodedebuggingpod

import (
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/secprofiles/spo/webhooks"
)

// Setup registers the handler at webhooks.NodeDebuggingPodPath. It is
// always served; whether the API server calls it is the configuration's
// business (webhooks/config adds it while the SPOD enables exec metadata).
// It needs no RBAC: it reads nothing from the API.
func Setup(mgr manager.Manager) {
	mgr.GetWebhookServer().Register(webhooks.NodeDebuggingPodPath,
		&webhook.Admission{Handler: webhooks.Instrument(webhooks.NodeDebuggingPodWebhookName, Handler{})})
}
