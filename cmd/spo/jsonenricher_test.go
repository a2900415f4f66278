package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The json-enricher checks what the SPOD renders into its flags before
// it connects anywhere, so a bad setting is one clear line, not a crash
// loop of half-started components.
func TestJSONEnricherChecksFlagsFirst(t *testing.T) {
	bin := buildSpo(t)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"it needs the node name", nil, "", "--node-name (or NODE_NAME) is required"},
		{"filters in SPO's format with an unknown level", []string{"--node-name", "n1", "--filters", `[{"priority":1,"level":"Loud","matchKeys":["pod"]}]`},
			"", `--filters: log filter 0: field "level"`},
		{"filters come from the environment too", []string{"--node-name", "n1"},
			`SPO_JSON_ENRICHER_FILTERS=[{"action":"drop","nmespace":"x"}]`, `unknown field "nmespace"`},
		{"a negative interval", []string{"--node-name", "n1", "--interval-seconds=-1"}, "", "--interval-seconds must not be negative"},
		{"an output file that cannot be created", []string{"--node-name", "n1", "--audit-log-path", filepath.Join(notADir, "exec.log")},
			"", "--audit-log-path:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"json-enricher"}, tc.args...)...)
			cmd.Env = append(os.Environ(), "NODE_NAME=")
			if tc.env != "" {
				cmd.Env = append(cmd.Env, tc.env)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if code := exitCode(t, cmd.Run()); code != 1 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant 1 and %q", code, stderr.String(), tc.want)
			}
		})
	}
}
