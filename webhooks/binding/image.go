package binding

import (
	"github.com/google/go-containerregistry/pkg/name"
)

// ImageKey is the form in which images are compared: a binding's
// spec.image matches a container's image when their keys are equal.
//
// References that name the same image the way a container runtime pulls it
// get the same key, so a tenant cannot step around a binding by spelling the
// image differently: nginx, nginx:latest, docker.io/library/nginx:latest and
// index.docker.io/library/nginx:latest are one key. A digest stays part of
// the key (nginx@sha256:… is not nginx:latest); a reference with both a tag
// and a digest is keyed by its digest, which is what the runtime pulls.
// Something that does not parse as a reference is its own key, unchanged,
// and AnyImage stays AnyImage.
func ImageKey(image string) string {
	if image == AnyImage {
		return AnyImage
	}
	ref, err := name.ParseReference(image)
	if err != nil {
		return image
	}
	return ref.Name()
}

// SameImage reports whether two image references name the same image.
func SameImage(a, b string) bool {
	return a == b || ImageKey(a) == ImageKey(b)
}
