package takeover

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
)

// Apply swaps the SPO finalizers o takes over on obj (see Swap) and writes
// the result, with an optimistic lock: other components change the list
// concurrently, and a merge patch from a stale copy would drop theirs. It
// writes nothing when there is nothing to take over, which is nearly always.
func (o Owner) Apply(ctx context.Context, c client.Client, obj client.Object) error {
	fins, changed := o.Swap(obj.GetFinalizers(), !obj.GetDeletionTimestamp().IsZero())
	if !changed {
		return nil
	}
	before := obj.GetFinalizers()
	if err := o.write(ctx, c, obj, fins); err != nil {
		return fmt.Errorf("taking over finalizers of %s: %w", obj.GetName(), err)
	}
	log.FromContext(ctx).Info("took over finalizers left by the Security Profiles Operator",
		"owner", o.Name, "before", before, "after", fins)
	return nil
}

// ApplyRelease removes own and the SPO finalizers standing in for it (see
// Release), writing only when one is there.
func (o Owner) ApplyRelease(ctx context.Context, c client.Client, obj client.Object, own string) error {
	fins, changed := o.Release(obj.GetFinalizers(), own)
	if !changed {
		return nil
	}
	if err := o.write(ctx, c, obj, fins); err != nil {
		return fmt.Errorf("releasing finalizer %s of %s: %w", own, obj.GetName(), err)
	}
	return nil
}

func (o Owner) write(ctx context.Context, c client.Client, obj client.Object, fins []string) error {
	base, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return fmt.Errorf("cannot copy %T", obj)
	}
	obj.SetFinalizers(fins)
	return c.Patch(ctx, obj, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
}
