package binding

import (
	"testing"
)

func TestImageKey(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := map[string]struct {
		a, b string
		same bool
	}{
		"treats a bare name as its Docker Hub latest tag":        {"nginx", "docker.io/library/nginx:latest", true},
		"treats an implicit latest tag as latest":                {"nginx", "nginx:latest", true},
		"treats index.docker.io as docker.io":                    {"index.docker.io/library/nginx:latest", "docker.io/library/nginx:latest", true},
		"treats a Docker Hub library image with its namespace":   {"library/nginx:1.27", "nginx:1.27", true},
		"keeps tags apart":                                       {"nginx:1.27", "nginx:1.28", false},
		"keeps a digest apart from a tag":                        {"nginx@" + digest, "nginx:latest", false},
		"matches a digest however the repository is spelled":     {"nginx@" + digest, "docker.io/library/nginx@" + digest, true},
		"keys a tag-and-digest reference by its digest":          {"nginx:1.27@" + digest, "nginx@" + digest, true},
		"keeps other registries apart from Docker Hub":           {"quay.io/nginx/nginx:1.27", "nginx/nginx:1.27", false},
		"keeps an explicit registry port":                        {"localhost:5000/app:1", "localhost/app:1", false},
		"compares what does not parse as written":                {"Not An Image", "Not An Image", true},
		"does not match what does not parse to a parsed image":   {"NGINX", "nginx", false},
		"keeps * as the wildcard, never an image named *":        {AnyImage, "*:latest", false},
		"matches a private registry image with its implicit tag": {"registry.example/team/app", "registry.example/team/app:latest", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := SameImage(tc.a, tc.b); got != tc.same {
				t.Errorf("SameImage(%q, %q) = %v (keys %q, %q), want %v", tc.a, tc.b, got, ImageKey(tc.a), ImageKey(tc.b), tc.same)
			}
		})
	}
}

// FuzzImageKey: any string has a key, without panicking, and a key is its
// own key, so a binding written with a normalised image matches the images
// it was normalised from.
func FuzzImageKey(f *testing.F) {
	for _, s := range []string{"nginx", "nginx:1.27", "docker.io/library/nginx:latest", "*", "",
		"localhost:5000/a/b:c", "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"a:b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "UPPER", "a/b/c/d:e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := ImageKey(s)
		if again := ImageKey(k); again != k {
			t.Errorf("ImageKey(%q) = %q, but ImageKey(%q) = %q", s, k, k, again)
		}
	})
}
