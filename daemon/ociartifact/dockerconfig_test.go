package ociartifact_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	. "github.com/secprofiles/spo/daemon/ociartifact"
	"github.com/secprofiles/spo/daemon/ociartifact/ocitest"
)

func TestCheckDockerConfig(t *testing.T) {
	for sentence, c := range map[string]struct {
		data  string
		hosts []string
		err   string
	}{
		"what kubectl create secret docker-registry writes lists its host": {
			data: string(ocitest.DockerConfigJSON("robot", "pw", "registry.example.com:5000")), hosts: []string{"registry.example.com:5000"},
		},
		"a legacy key with scheme and path stands for its host": {
			data:  `{"auths":{"https://index.docker.io/v1/":{"auth":"cm9ib3Q6cHc="},"ghcr.io":{"identitytoken":"t"}}}`,
			hosts: []string{"ghcr.io", "index.docker.io"},
		},
		"a username and password without auth are credentials": {
			data: `{"auths":{"quay.io":{"username":"u","password":"p"}}}`, hosts: []string{"quay.io"},
		},
		"the legacy .dockercfg format (no auths) is refused": {
			data: `{"quay.io":{"auth":"cm9ib3Q6cHc="}}`, err: "has no auths entry",
		},
		"an entry without credentials is refused, naming its host": {
			data: `{"auths":{"quay.io":{"email":"a@b"}}}`, err: "has an auths entry for quay.io that has no credentials",
		},
		"an auth that is not base64 is refused without quoting it": {
			data: `{"auths":{"quay.io":{"auth":"hunter2!!"}}}`, err: "has an auths entry for quay.io that has an auth that is not base64",
		},
		"an auth without a colon is refused": {
			data: `{"auths":{"quay.io":{"auth":"aHVudGVyMg=="}}}`, err: "not base64 of USER:PASSWORD",
		},
		"something that is not JSON is refused without quoting it": {
			data: `hunter2`, err: "is not a JSON object with an auths object",
		},
	} {
		t.Run(sentence, func(t *testing.T) {
			hosts, err := CheckDockerConfig([]byte(c.data))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %v, want an error saying %q", err, c.err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("the error quotes the data: %v", err)
				}
				return
			}
			if err != nil || !slices.Equal(hosts, c.hosts) {
				t.Fatalf("got %v, %v; want %v", hosts, err, c.hosts)
			}
		})
	}
}

// FuzzCheckDockerConfig: whatever a Secret holds, the check returns
// without panicking, its errors never quote a credential, and the hosts it
// accepts have neither scheme nor path.
func FuzzCheckDockerConfig(f *testing.F) {
	f.Add(ocitest.DockerConfigJSON("robot", "s3cret", "registry.example.com"))
	f.Add([]byte(`{"auths":{"https://index.docker.io/v1/":{"auth":"cm9ib3Q6cHc="}}}`))
	f.Add([]byte(`{"auths":{"q":{"password":"s3cret-value"}}}`))
	f.Add([]byte(`{"auths":{"":{}}}`))
	f.Add([]byte(`not json s3cret`))
	f.Fuzz(func(t *testing.T, data []byte) {
		hosts, err := CheckDockerConfig(data)
		if err != nil {
			for _, s := range credentialValues(data) {
				if len(s) >= 4 && strings.Contains(err.Error(), s) {
					t.Fatalf("the error %q quotes the credential %q", err, s)
				}
			}
			return
		}
		for _, h := range hosts {
			if h == "" || strings.Contains(h, "/") {
				t.Fatalf("host %q of %q", h, data)
			}
		}
	})
}

// credentialValues are the credential strings data holds, read leniently.
func credentialValues(data []byte) []string {
	var cfg struct {
		Auths map[string]map[string]any `json:"auths"`
	}
	_ = json.Unmarshal(data, &cfg)
	var out []string
	for _, entry := range cfg.Auths {
		for k, v := range entry {
			if s, ok := v.(string); ok && k != "email" {
				out = append(out, s)
			}
		}
	}
	// A value that is also part of a key (a host, which errors name) is
	// not one an error could only have taken from a credential.
	return slices.DeleteFunc(out, func(s string) bool {
		for key := range cfg.Auths {
			if strings.Contains(key, s) {
				return true
			}
		}
		return false
	})
}
