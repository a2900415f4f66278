package ociartifact

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// dockerAuth is one auths entry of a docker config, in the fields
// docker, podman, oras and the kubelet read.
type dockerAuth struct {
	Auth          string `json:"auth"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
}

// CheckDockerConfig reads a kubernetes.io/dockerconfigjson Secret's
// .dockerconfigjson as the daemon will and returns the registry hosts it
// has credentials for, so the manager can report a Secret the daemon could
// not use before a pull fails. Errors never quote the data: it holds
// passwords. They complete "its .dockerconfigjson …".
func CheckDockerConfig(data []byte) ([]string, error) {
	var cfg struct {
		Auths map[string]json.RawMessage `json:"auths"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, errors.New("is not a JSON object with an auths object")
	}
	if len(cfg.Auths) == 0 {
		return nil, errors.New("has no auths entry")
	}
	hosts := make([]string, 0, len(cfg.Auths))
	for key, raw := range cfg.Auths {
		host := authHost(key)
		if host == "" {
			return nil, errors.New("has an auths entry with no host")
		}
		if err := checkAuth(raw); err != nil {
			return nil, fmt.Errorf("has an auths entry for %s that %w", host, err)
		}
		hosts = append(hosts, host)
	}
	slices.Sort(hosts)
	return slices.Compact(hosts), nil
}

// authHost is the host an auths key stands for, as the daemon's lookup
// matches it: the scheme and path of a legacy key (https://HOST/v1/) go.
func authHost(key string) string {
	key = strings.TrimPrefix(strings.TrimPrefix(key, "http://"), "https://")
	host, _, _ := strings.Cut(key, "/")
	return host
}

func checkAuth(raw json.RawMessage) error {
	var a dockerAuth
	if err := json.Unmarshal(raw, &a); err != nil {
		return errors.New("is not an object of strings")
	}
	if a.Auth != "" {
		dec, err := base64.StdEncoding.DecodeString(a.Auth)
		if err != nil {
			return errors.New("has an auth that is not base64")
		}
		user, pass, ok := strings.Cut(string(dec), ":")
		if !ok || user == "" || pass == "" {
			return errors.New("has an auth that is not base64 of USER:PASSWORD")
		}
		return nil
	}
	if (a.Username != "" && a.Password != "") || a.IdentityToken != "" || a.RegistryToken != "" {
		return nil
	}
	return errors.New("has no credentials (auth, username and password, identitytoken or registrytoken)")
}
