package spod

import (
	"fmt"
	"strings"
)

// PinnedImage refuses an image reference that names no release: no tag (the
// registry's latest), the tag latest, or any tag with no digest is what a
// pusher can move under a running cluster. A digest (name@sha256:…) or a
// tag other than latest is accepted; the error names the reference.
func PinnedImage(ref string) error {
	if ref == "" {
		return fmt.Errorf("image reference is empty")
	}
	if strings.Contains(ref, "@") {
		return nil
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	i := strings.LastIndex(name, ":")
	switch {
	case i < 0:
		return fmt.Errorf("image %q has no tag (the registry's latest): pin a release tag or a digest", ref)
	case name[i+1:] == "latest":
		return fmt.Errorf("image %q uses the moving tag latest: pin a release tag or a digest", ref)
	}
	return nil
}
