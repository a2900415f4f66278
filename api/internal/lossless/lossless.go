// Package lossless helps the older API versions convert to and from v1
// without losing anything. An older version cannot hold every v1 value, so
// when v1 is converted down, what did not fit is written as JSON into one
// annotation on the older object, and read back (and removed) when the object
// is converted up again. The annotation exists only on older-version objects:
// v1, the storage version, never carries it.
//
// The older versions' own fields always win over the annotation: a client of
// an old version may edit those fields, and a kept value is only restored
// while it still agrees with them. The annotation is also never trusted to
// be well formed, because users can edit it: a conversion that fails makes
// every object of the kind unreadable in a list, so bad data is dropped.
package lossless

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Annotation carries the v1 fields an older version has no place for. The
// key is reserved: a value set on a v1 object is not preserved.
const Annotation = "spo.x-k8s.io/conversion-data"

// Keep stores kept (a struct whose fields are all omitempty) in the
// annotation, or removes the annotation when nothing needs keeping.
func Keep(meta *metav1.ObjectMeta, kept any) error {
	data, err := json.Marshal(kept)
	if err != nil {
		return err
	}
	if string(data) == "{}" {
		remove(meta)
		return nil
	}
	if meta.Annotations == nil {
		meta.Annotations = map[string]string{}
	}
	meta.Annotations[Annotation] = string(data)
	return nil
}

// Restore removes the annotation and returns what it kept. Data that does
// not decode as a whole is dropped: half of a hand-edited value is no better
// than none.
func Restore[T any](meta *metav1.ObjectMeta) T {
	data, ok := meta.Annotations[Annotation]
	remove(meta)
	var kept T
	if !ok || json.Unmarshal([]byte(data), &kept) != nil {
		var none T
		return none
	}
	return kept
}

// Drop removes the annotation from an object of a kind that keeps nothing,
// where one can only have been copied from elsewhere.
func Drop(meta *metav1.ObjectMeta) { remove(meta) }

// remove deletes the annotation; an emptied map becomes nil so that an
// object that had no annotations before a round trip has none after it.
func remove(meta *metav1.ObjectMeta) {
	if _, ok := meta.Annotations[Annotation]; !ok {
		return
	}
	delete(meta.Annotations, Annotation)
	if len(meta.Annotations) == 0 {
		meta.Annotations = nil
	}
}

// Differing returns v when it differs from the value the older version
// implies, and nil when converting up would produce v anyway.
func Differing[T comparable](v, implied T) *T {
	if v == implied {
		return nil
	}
	return &v
}

// Or returns the kept value, or the implied one when nothing was kept.
func Or[T any](kept *T, implied T) T {
	if kept != nil {
		return *kept
	}
	return implied
}

// ToBool projects a two-valued v1 enum onto an older version's boolean
// (state Disabled onto disabled: true, say). Any other value, such as the
// empty string of an object that was never defaulted, is returned as kept.
func ToBool[T comparable](v, whenTrue, whenFalse T) (bool, *T) {
	b := v == whenTrue
	if v == whenTrue || v == whenFalse {
		return b, nil
	}
	return b, &v
}

// FromBool reverses ToBool. A kept value is used only while it projects to
// the same boolean: once a client of the older version flips the boolean,
// the flip wins.
func FromBool[T comparable](b bool, kept *T, whenTrue, whenFalse T) T {
	if kept != nil && (*kept == whenTrue) == b {
		return *kept
	}
	if b {
		return whenTrue
	}
	return whenFalse
}
