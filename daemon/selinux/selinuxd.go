package selinux

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// selinuxd (github.com/containers/selinuxd) installs SELinux modules on a
// node: it watches a directory for <module>.cil files, runs semodule on
// each new or changed file (and semodule -r when one is deleted), and
// records the outcome. Its status server speaks HTTP on a Unix socket
// (pkg/daemon/status_server.go):
//
//	GET /policies/        JSON array of module names it has a status for
//	GET /policies/{name}  {"status": "Installed"|"Failed", "msg": "..."},
//	                      404 while it has no status (not yet processed,
//	                      or removed)
//	GET /ready            {"ready": true|false}, true once its first scan
//	                      of the directory is done
//
// A module's name is its file name without the extension
// (pkg/utils.PolicyNameFromPath).
const (
	// DefaultSocket is where selinuxd serves its status.
	DefaultSocket = "/var/run/selinuxd.sock"
	// DefaultPolicyDir is the directory selinuxd watches in SPO's
	// DaemonSet (a hostPath shared by the daemon and selinuxd).
	DefaultPolicyDir = "/etc/selinux.d"
	// moduleExt is the extension selinuxd expects of CIL modules.
	moduleExt = ".cil"
	// requestTimeout bounds one call to the status server.
	requestTimeout = 5 * time.Second
)

// PolicyState is selinuxd's word for a module's state.
type PolicyState string

const (
	StateInstalled PolicyState = "Installed"
	StateFailed    PolicyState = "Failed"
)

// PolicyStatus is selinuxd's answer for one module.
type PolicyStatus struct {
	Status PolicyState `json:"status"`
	// Msg is semodule's output when the install failed.
	Msg string `json:"msg"`
}

// Client talks to selinuxd's status server.
type Client struct {
	http *http.Client
}

// NewClient returns a client for the status server on socket.
func NewClient(socket string) *Client {
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}
	return &Client{http: &http.Client{
		Transport: &http.Transport{DialContext: dial},
		Timeout:   requestTimeout,
	}}
}

// List returns the modules selinuxd has a status for.
func (c *Client) List(ctx context.Context) ([]string, error) {
	var names []string
	found, err := c.get(ctx, "/policies/", &names)
	if err == nil && !found {
		err = fmt.Errorf("selinuxd: GET /policies/: not found")
	}
	return names, err
}

// Status returns selinuxd's status of module name, or nil when it has
// none (not processed yet, or removed).
func (c *Client) Status(ctx context.Context, name string) (*PolicyStatus, error) {
	var st PolicyStatus
	found, err := c.get(ctx, "/policies/"+url.PathEscape(name), &st)
	if err != nil || !found {
		return nil, err
	}
	return &st, nil
}

// Ready says whether selinuxd has finished its first scan.
func (c *Client) Ready(ctx context.Context) (bool, error) {
	var r struct {
		Ready bool `json:"ready"`
	}
	_, err := c.get(ctx, "/ready", &r)
	return r.Ready, err
}

// get decodes the JSON at path into out; found is false on 404.
func (c *Client) get(ctx context.Context, path string, out any) (found bool, err error) {
	// The host part is ignored: the transport always dials the socket.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://selinuxd"+path, nil)
	if err != nil {
		return false, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return false, fmt.Errorf("contacting selinuxd: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return false, nil
	case resp.StatusCode != http.StatusOK:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return false, fmt.Errorf("selinuxd: GET %s: %s: %s", path, resp.Status, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return false, fmt.Errorf("selinuxd: GET %s: decoding answer: %w", path, err)
	}
	return true, nil
}
