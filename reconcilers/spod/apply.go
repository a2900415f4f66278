package spod

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FieldManager owns, through server-side apply, every field spo sets.
const FieldManager = "spo-manager"

// Apply makes the live DaemonSet what desired says, with server-side apply
// and forced ownership. It first applies as a dry run and writes only when
// the result differs from the live object (read through c, the manager's
// cache), so a steady state costs no write. It reports whether it wrote.
func Apply(ctx context.Context, c client.Client, desired *appsv1.DaemonSet) (bool, error) {
	live := &appsv1.DaemonSet{}
	err := c.Get(ctx, client.ObjectKeyFromObject(desired), live)
	switch {
	case apierrors.IsNotFound(err):
		live = nil
	case err != nil:
		return false, fmt.Errorf("getting DaemonSet %s/%s: %w", desired.Namespace, desired.Name, err)
	}
	if live != nil {
		dry, err := apply(ctx, c, desired, client.DryRunAll)
		if err != nil {
			return false, err
		}
		if Same(dry, live) {
			return false, nil
		}
	}
	_, err = apply(ctx, c, desired)
	return err == nil, err
}

// Same reports whether two DaemonSets agree on everything spo may set.
func Same(a, b *appsv1.DaemonSet) bool {
	return equality.Semantic.DeepEqual(a.Spec, b.Spec) &&
		equality.Semantic.DeepEqual(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(a.Annotations, b.Annotations) &&
		equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences)
}

func apply(ctx context.Context, c client.Client, desired *appsv1.DaemonSet, opts ...client.ApplyOption) (*appsv1.DaemonSet, error) {
	u, err := ApplyObject(desired)
	if err != nil {
		return nil, err
	}
	opts = append(opts, client.FieldOwner(FieldManager), client.ForceOwnership)
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), opts...); err != nil {
		return nil, fmt.Errorf("applying DaemonSet %s/%s: %w", desired.Namespace, desired.Name, err)
	}
	out := &appsv1.DaemonSet{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out); err != nil {
		return nil, fmt.Errorf("reading applied DaemonSet: %w", err)
	}
	return out, nil
}

// ApplyObject is the apply request's body for a DaemonSet: the object
// without its status and without the null creation timestamps Go's
// encoding adds, so spo claims only fields it sets.
func ApplyObject(ds *appsv1.DaemonSet) (*unstructured.Unstructured, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ds)
	if err != nil {
		return nil, fmt.Errorf("converting DaemonSet: %w", err)
	}
	delete(obj, "status")
	unstructured.RemoveNestedField(obj, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(obj, "spec", "template", "metadata", "creationTimestamp")
	return &unstructured.Unstructured{Object: obj}, nil
}
