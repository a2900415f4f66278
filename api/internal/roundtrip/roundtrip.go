// Package roundtrip checks that an older API version converts to v1 and
// back without losing anything. The older versions' tests use it with
// hand-written objects and with objects filled from fuzz input.
package roundtrip

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/diff"
	"sigs.k8s.io/controller-runtime/pkg/conversion"
	webhookconversion "sigs.k8s.io/controller-runtime/pkg/webhook/conversion"
	"sigs.k8s.io/randfill"

	"github.com/secprofiles/spo/api/internal/lossless"
	v1 "github.com/secprofiles/spo/api/v1"
)

// Servable fails t unless controller-runtime's conversion webhook can
// convert every one of kinds once v1 and the older version (added by
// addToScheme) are in one scheme: exactly one hub per kind, and every other
// version convertible.
func Servable(t testing.TB, addToScheme func(*runtime.Scheme) error, kinds ...runtime.Object) {
	t.Helper()
	s := runtime.NewScheme()
	if err := v1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := addToScheme(s); err != nil {
		t.Fatal(err)
	}
	for _, obj := range kinds {
		if ok, err := webhookconversion.IsConvertible(s, obj); !ok || err != nil {
			t.Errorf("%T is not convertible by the webhook (%v)", obj, err)
		}
	}
}

// Fill fills obj from fuzz input. Conversion never looks at apiVersion and
// kind (the webhook sets them on its output), so they are left empty.
func Fill(data []byte, obj runtime.Object) {
	// Few elements per list and map keep an input's objects small enough
	// for the fuzzer to explore; nil pointers, slices and maps still occur.
	randfill.NewFromGoFuzz(data).NilChance(0.2).NumElements(0, 3).Fill(obj)
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
}

// HubSpokeHub converts hub down to spoke and up again into back, and fails
// t unless back equals hub, hub is unchanged, and back carries no
// conversion-data annotation.
func HubSpokeHub(t testing.TB, hub conversion.Hub, spoke conversion.Convertible, back conversion.Hub) {
	t.Helper()
	before := hub.DeepCopyObject()
	if err := spoke.ConvertFrom(hub); err != nil {
		t.Fatalf("v1 to older version: %v", err)
	}
	if err := spoke.ConvertTo(back); err != nil {
		t.Fatalf("older version to v1: %v", err)
	}
	same(t, "converting changed its input", before, hub)
	same(t, "v1 → older → v1 lost something", hub, back)
	noAnnotation(t, back)
}

// SpokeHubSpoke converts spoke up to hub and down again into back, and fails
// t unless back equals spoke, spoke is unchanged, and hub carries no
// conversion-data annotation.
func SpokeHubSpoke(t testing.TB, spoke conversion.Convertible, hub conversion.Hub, back conversion.Convertible) {
	t.Helper()
	before := spoke.DeepCopyObject()
	if err := spoke.ConvertTo(hub); err != nil {
		t.Fatalf("older version to v1: %v", err)
	}
	if err := back.ConvertFrom(hub); err != nil {
		t.Fatalf("v1 to older version: %v", err)
	}
	same(t, "converting changed its input", before, spoke)
	same(t, "older → v1 → older lost something", spoke, back)
	noAnnotation(t, hub)
}

// Check converts from (a v1 object or an older-version one) to the other
// version, requires the result to equal want, and, unless oneWay, converts
// it back and requires from again. oneWay is for objects a conversion does
// not produce itself, such as an older-version object whose annotation a
// client edited.
func Check(t testing.TB, from, want runtime.Object, oneWay bool) {
	t.Helper()
	got := reflect.New(reflect.TypeOf(want).Elem()).Interface().(runtime.Object)
	back := reflect.New(reflect.TypeOf(from).Elem()).Interface().(runtime.Object)
	switch from := from.(type) {
	case conversion.Hub:
		if oneWay {
			t.Fatal("only conversions up to v1 can be one way")
		}
		HubSpokeHub(t, from, got.(conversion.Convertible), back.(conversion.Hub))
	case conversion.Convertible:
		if oneWay {
			if err := from.ConvertTo(got.(conversion.Hub)); err != nil {
				t.Fatalf("older version to v1: %v", err)
			}
			noAnnotation(t, got)
		} else {
			SpokeHubSpoke(t, from, got.(conversion.Hub), back.(conversion.Convertible))
		}
	default:
		t.Fatalf("%T is neither a conversion hub nor convertible", from)
	}
	same(t, "converted object differs", want, got)
}

// same compares semantically: nil and empty lists and maps are equal (JSON
// cannot tell them apart either), and so are equal quantities and times.
func same(t testing.TB, what string, want, got runtime.Object) {
	t.Helper()
	if !equality.Semantic.DeepEqual(want, got) {
		t.Fatalf("%s (-want +got):\n%s", what, diff.Diff(want, got))
	}
}

func noAnnotation(t testing.TB, hub runtime.Object) {
	t.Helper()
	if v, ok := hub.(metav1.Object).GetAnnotations()[lossless.Annotation]; ok {
		t.Fatalf("v1 object carries %s=%s", lossless.Annotation, v)
	}
}
