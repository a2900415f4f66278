package ocitest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// BasicAuth is a StartRegistry wrap that requires HTTP basic
// authentication as user with pass on every request, as a private
// registry does: a request without it gets 401 and a Basic challenge, one
// with other credentials 401 as well.
func BasicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="spo-test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// DockerConfigJSON is what a kubernetes.io/dockerconfigjson Secret holds
// under .dockerconfigjson (what `kubectl create secret docker-registry`
// writes): an auths entry for each host with user and pass.
func DockerConfigJSON(user, pass string, hosts ...string) []byte {
	auths := map[string]any{}
	for _, h := range hosts {
		auths[h] = map[string]string{"username": user, "password": pass,
			"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))}
	}
	b, _ := json.Marshal(map[string]any{"auths": auths})
	return b
}

// ProjectPullSecret writes data where the kubelet projects the
// .dockerconfigjson of Secret name for the daemon: dir/<name>/config.json.
func ProjectPullSecret(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, name), 0o700); err != nil {
		t.Fatal(err)
	}
	// Write and rename, as the kubelet swaps the projection atomically: a
	// reader never sees half a file.
	tmp := filepath.Join(dir, name, ".config.json.tmp")
	if err := os.WriteFile(tmp, data, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name, "config.json")); err != nil {
		t.Fatal(err)
	}
}
