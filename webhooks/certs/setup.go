package certs

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// Controller names.
const (
	IssuerControllerName      = "webhook-certs"
	CertManagerControllerName = "webhook-certs-cert-manager"
	SyncerControllerName      = "webhook-certs-syncer"
)

// Setup registers with mgr, for opts.Mode (detected when ModeAuto): the
// Syncer when opts.CertDir is set, and the issuing controller (leader
// elected). It returns the built-in Issuer, nil in cert-manager mode. The
// manager's scheme must know apiextensions.k8s.io/v1, and its cache should
// take CacheByObject.
func Setup(mgr manager.Manager, opts Options) (*Issuer, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if opts.Mode == ModeAuto {
		if opts.Mode, err = Detect(mgr.GetConfig()); err != nil {
			return nil, err
		}
	}
	if opts.CertDir != "" {
		syncer := &Syncer{Reader: mgr.GetClient(), Namespace: opts.Namespace, Dir: opts.CertDir}
		if err := syncer.SetupWithManager(mgr); err != nil {
			return nil, err
		}
	}
	switch opts.Mode {
	case ModeBuiltIn:
		issuer := newIssuer(mgr.GetClient(), mgr.GetAPIReader(), opts)
		return issuer, watchInjected(mgr, IssuerControllerName, opts.Namespace, true).Complete(issuer)
	case ModeCertManager:
		cm := &certManager{client: mgr.GetClient(), opts: opts}
		return nil, watchInjected(mgr, CertManagerControllerName, opts.Namespace, false).Complete(cm)
	default:
		return nil, fmt.Errorf("webhook certs: unknown mode %q", opts.Mode)
	}
}

// SetupWithManager runs the Syncer in every replica.
func (s *Syncer) SetupWithManager(mgr manager.Manager) error {
	err := ctrl.NewControllerManagedBy(mgr).
		Named(SyncerControllerName).
		WithOptions(controller.Options{NeedLeaderElection: ptr.To(false)}).
		Watches(&corev1.Secret{}, toOne, builder.WithPredicates(isSecret(s.Namespace))).
		Complete(s)
	if err != nil {
		return fmt.Errorf("setting up %s: %w", SyncerControllerName, err)
	}
	return nil
}

// one is the single request of each controller here: whatever changed,
// they look at everything.
var one = reconcile.Request{NamespacedName: types.NamespacedName{Name: webhooks.SecretName}}

var toOne = handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
	return []reconcile.Request{one}
})

// watchInjected builds a controller that runs once at start and whenever
// the objects it writes into change (and the Secret, when withSecret).
func watchInjected(mgr manager.Manager, name, namespace string, withSecret bool) *builder.Builder {
	b := ctrl.NewControllerManagedBy(mgr).
		Named(name).
		WatchesRawSource(source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
			q.Add(one)
			return nil
		})).
		Watches(&admissionregistrationv1.MutatingWebhookConfiguration{}, toOne, builder.WithPredicates(
			predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetName() == webhooks.MutatingConfigName }))).
		Watches(&apiextensionsv1.CustomResourceDefinition{}, toOne, builder.WithPredicates(
			predicate.NewPredicateFuncs(func(o client.Object) bool {
				crd, ok := o.(*apiextensionsv1.CustomResourceDefinition)
				return ok && crd.Spec.Group == v1.GroupVersion.Group
			})))
	if withSecret {
		b = b.Watches(&corev1.Secret{}, toOne, builder.WithPredicates(isSecret(namespace)))
	}
	return b
}

func isSecret(namespace string) predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == namespace && o.GetName() == webhooks.SecretName
	})
}

// CacheByObject is the manager cache setting for Secrets (merge it into
// cache.Options.ByObject): only the webhook's Secret in the operator's
// namespace is cached, which is also all the RBAC allows.
func CacheByObject(namespace string) map[client.Object]cache.ByObject {
	return map[client.Object]cache.ByObject{
		&corev1.Secret{}: {
			Namespaces: map[string]cache.Config{namespace: {}},
			Field:      fields.OneTermEqualSelector("metadata.name", webhooks.SecretName),
		},
	}
}
