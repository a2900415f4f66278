package selinuxd

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProtocol checks the stand-in answers the way selinuxd's status
// server does (pkg/daemon/status_server.go): a JSON list, a JSON status,
// 404 for an unknown module, and the ready flag.
func TestProtocol(t *testing.T) {
	secilc := RequireSecilc(t)
	tmp, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	dir, socket := filepath.Join(tmp, "d"), filepath.Join(tmp, "s.sock")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	good := "(block good\n(type process)\n(roletype system_r process)\n)\n"
	bad := "(block bad\n(blockinherit nosuch)\n)\n"
	for name, body := range map[string]string{"good.cil": good, "bad.cil": bad, "ignored.txt": "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := Start(dir, socket, secilc)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", socket)
	}}}
	get := func(path string) (int, string) {
		resp, err := c.Get("http://selinuxd" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, body := get("/ready"); body == `{"ready":true}` {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, body := get("/policies/"); code != 200 || body != `["bad","good"]` {
		t.Fatalf("list: %d %s", code, body)
	}
	if code, body := get("/policies/good"); code != 200 || body != `{"status":"Installed","msg":""}` {
		t.Fatalf("good: %d %s", code, body)
	}
	code, body := get("/policies/bad")
	var st struct{ Status, Msg string }
	if code != 200 || json.Unmarshal([]byte(body), &st) != nil || st.Status != "Failed" || st.Msg == "" {
		t.Fatalf("bad: %d %s", code, body)
	}
	if code, body := get("/policies/none"); code != 404 || body != "couldn't find requested policy" {
		t.Fatalf("none: %d %s", code, body)
	}
}
