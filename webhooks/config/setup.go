package config

import (
	"context"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// ControllerName names the controller.
const ControllerName = "webhook-config"

// everything is the one request the controller handles: whatever changed,
// it applies the whole desired state.
var everything = reconcile.Request{NamespacedName: types.NamespacedName{Name: webhooks.MutatingConfigName}}

// Setup registers the controller with mgr. The manager's scheme must know
// apiextensions.k8s.io/v1 and security-profiles-operator.x-k8s.io/v1, and
// its client must not be limited to one namespace. It runs under leader
// election: one writer is enough.
func Setup(mgr manager.Manager, opts Options) error {
	if err := opts.validate(); err != nil {
		return err
	}
	toEverything := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{everything}
	})
	err := ctrl.NewControllerManagedBy(mgr).
		Named(ControllerName).
		// Once at start, even when nothing exists yet to trigger a watch.
		WatchesRawSource(source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
			q.Add(everything)
			return nil
		})).
		Watches(&v1.SecurityProfilesOperatorDaemon{}, toEverything, builder.WithPredicates(isSPOD(opts.Namespace))).
		Watches(&admissionregistrationv1.MutatingWebhookConfiguration{}, toEverything, builder.WithPredicates(named(webhooks.MutatingConfigName))).
		Watches(&apiextensionsv1.CustomResourceDefinition{}, toEverything, builder.WithPredicates(ourCRD())).
		Complete(&reconciler{client: mgr.GetClient(), opts: opts})
	if err != nil {
		return fmt.Errorf("setting up %s: %w", ControllerName, err)
	}
	return nil
}

func isSPOD(namespace string) predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == namespace && o.GetName() == v1.SPODName
	})
}

func named(name string) predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetName() == name })
}

func ourCRD() predicate.Predicate {
	return predicate.NewPredicateFuncs(func(o client.Object) bool {
		crd, ok := o.(*apiextensionsv1.CustomResourceDefinition)
		return ok && crd.Spec.Group == v1.GroupVersion.Group
	})
}

// CacheByObject are the manager cache settings the webhook components want
// (merge them into cache.Options.ByObject): only our
// MutatingWebhookConfiguration, and CRDs without their schemas, which are
// large in clusters with many CRDs and which nothing here reads. Both
// components only read these objects and write with server-side apply, so
// the trimmed copies are never written back.
func CacheByObject() map[client.Object]cache.ByObject {
	return map[client.Object]cache.ByObject{
		&admissionregistrationv1.MutatingWebhookConfiguration{}: {
			Field: fields.OneTermEqualSelector("metadata.name", webhooks.MutatingConfigName),
		},
		&apiextensionsv1.CustomResourceDefinition{}: {Transform: TrimCRD},
	}
}

// TrimCRD keeps of a CRD what the webhook components read: its metadata
// (without managed fields), group, version names and conversion.
func TrimCRD(obj any) (any, error) {
	crd, ok := obj.(*apiextensionsv1.CustomResourceDefinition)
	if !ok {
		return obj, nil
	}
	crd.ManagedFields = nil
	for i := range crd.Spec.Versions {
		crd.Spec.Versions[i].Schema = nil
		crd.Spec.Versions[i].AdditionalPrinterColumns = nil
	}
	crd.Status = apiextensionsv1.CustomResourceDefinitionStatus{}
	return crd, nil
}
