package spod

import (
	"context"
	"fmt"
	"reflect"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// FieldManager owns, through server-side apply, every field spo sets.
const FieldManager = "spo-manager"

// Apply makes the live object what desired says, with server-side apply
// and forced ownership. It first applies as a dry run and writes only when
// the result differs from the live object (read through c, the manager's
// cache), so a steady state costs no write. It reports whether it wrote.
func Apply(ctx context.Context, c client.Client, desired client.Object) (bool, error) {
	kind := desired.GetObjectKind().GroupVersionKind().Kind
	live := reflect.New(reflect.TypeOf(desired).Elem()).Interface().(client.Object)
	if u, ok := desired.(*unstructured.Unstructured); ok {
		live.GetObjectKind().SetGroupVersionKind(u.GroupVersionKind())
	}
	err := c.Get(ctx, client.ObjectKeyFromObject(desired), live)
	switch {
	case apierrors.IsNotFound(err):
		live = nil
	case err != nil:
		return false, fmt.Errorf("getting %s %s/%s: %w", kind, desired.GetNamespace(), desired.GetName(), err)
	}
	if live != nil {
		dry, err := apply(ctx, c, desired, client.DryRunAll)
		if err != nil {
			return false, err
		}
		if same, err := Same(dry, live); err != nil || same {
			return false, err
		}
	}
	_, err = apply(ctx, c, desired)
	return err == nil, err
}

// Same reports whether an applied object (as the API server returned it)
// and the live one agree on everything spo may set: the spec, labels,
// annotations and owner references. Both are read as live's Go type, so
// that equal values compare equal whatever their encoding.
func Same(applied *unstructured.Unstructured, live client.Object) (bool, error) {
	a, b, err := applied.Object, map[string]any(nil), error(nil)
	if u, ok := live.(*unstructured.Unstructured); ok {
		// A kind spo has no Go type for (a ServiceMonitor): both are
		// already the API server's JSON.
		b = u.Object
	} else {
		typed := reflect.New(reflect.TypeOf(live).Elem()).Interface()
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(applied.Object, typed); err != nil {
			return false, fmt.Errorf("reading applied %s: %w", applied.GetKind(), err)
		}
		if a, err = runtime.DefaultUnstructuredConverter.ToUnstructured(typed); err != nil {
			return false, err
		}
		if b, err = runtime.DefaultUnstructuredConverter.ToUnstructured(live); err != nil {
			return false, err
		}
	}
	for _, path := range [][]string{{"spec"}, {"metadata", "labels"}, {"metadata", "annotations"}, {"metadata", "ownerReferences"}} {
		x, _, _ := unstructured.NestedFieldNoCopy(a, path...)
		y, _, _ := unstructured.NestedFieldNoCopy(b, path...)
		if !equality.Semantic.DeepEqual(x, y) {
			return false, nil
		}
	}
	return true, nil
}

func apply(ctx context.Context, c client.Client, desired client.Object, opts ...client.ApplyOption) (*unstructured.Unstructured, error) {
	u, err := ApplyObject(desired)
	if err != nil {
		return nil, err
	}
	opts = append(opts, client.FieldOwner(FieldManager), client.ForceOwnership)
	if err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(u), opts...); err != nil {
		return nil, fmt.Errorf("applying %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	return u, nil
}

// ApplyObject is the apply request's body for an object: the object
// without its status and without the null creation timestamps Go's
// encoding adds, so spo claims only fields it sets. desired must carry its
// apiVersion and kind.
func ApplyObject(desired client.Object) (*unstructured.Unstructured, error) {
	if u, ok := desired.(*unstructured.Unstructured); ok {
		// A copy: the API server's answer is decoded into the body.
		desired = u.DeepCopy()
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(desired)
	if err != nil {
		return nil, fmt.Errorf("converting %T: %w", desired, err)
	}
	delete(obj, "status")
	unstructured.RemoveNestedField(obj, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(obj, "spec", "template", "metadata", "creationTimestamp")
	return &unstructured.Unstructured{Object: obj}, nil
}
