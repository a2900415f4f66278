package enricher

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/testing/protocmp"

	enricherv1 "github.com/secprofiles/spo/api/grpc/enricher/v1"
)

// serve runs a real server on a real socket and returns a client.
func serve(t *testing.T, c *Collector) *Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log-enricher.sock")
	ctx, cancel := context.WithCancel(context.Background())
	listening := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- NewServer(c).Serve(ctx, path, func() { close(listening) }) }()
	select {
	case <-listening:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	client, err := Dial(dctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("socket left behind: %v", err)
		}
	})
	return client
}

func TestServerServesWhatTheCollectorRecorded(t *testing.T) {
	f := newFixture(t, nil)
	f.index.set(idA, web)
	f.proc.run(10, idA, "/usr/sbin/nginx")
	for _, l := range []string{seccompLine(10, 1, "/usr/sbin/nginx"), seccompLine(10, 9999, "/usr/sbin/nginx"),
		avcLine(10, "read open", "file"),
		appArmorLine(10, "ALLOWED", "capable", `capname="net_raw"`)} {
		f.c.Add(mustParse(t, l))
	}
	c := serve(t, f.c)
	ctx := context.Background()
	req := &enricherv1.ProfileRequest{Profile: web.SeccompKey}

	sys, err := c.Syscalls(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	wantSys := &enricherv1.SyscallsResponse{Syscalls: []string{"write"}, Architecture: "SCMP_ARCH_X86_64",
		Executables: []string{"/usr/sbin/nginx"}, Unresolved: []string{"SCMP_ARCH_X86_64:9999"}}
	if d := cmp.Diff(wantSys, sys, protocmp.Transform()); d != "" {
		t.Errorf("Syscalls -want +got:\n%s", d)
	}
	avcs, err := c.Avcs(ctx, &enricherv1.ProfileRequest{Profile: web.SELinuxKey})
	if err != nil || len(avcs.GetAvcs()) != 1 || cmp.Diff([]string{"open", "read"}, avcs.GetAvcs()[0].GetPermissions()) != "" {
		t.Errorf("Avcs = %v, %v", avcs, err)
	}
	aa, err := c.AppArmor(ctx, &enricherv1.ProfileRequest{Profile: web.AppArmorKey})
	if err != nil || len(aa.GetAccesses()) != 1 || aa.GetAccesses()[0].GetCapability() != "net_raw" {
		t.Errorf("AppArmor = %v, %v", aa, err)
	}

	if _, err := c.ResetSyscalls(ctx, req); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Syscalls(ctx, req); status.Code(err) != codes.NotFound {
		t.Errorf("Syscalls after reset: %v, want NotFound", err)
	}
	if _, err := c.ResetSyscalls(ctx, req); err != nil {
		t.Errorf("a second reset failed: %v; resets must be retryable", err)
	}
}

func TestServerSaysNotFoundForAnUnknownProfile(t *testing.T) {
	c := serve(t, newFixture(t, nil).c)
	ctx := context.Background()
	req := &enricherv1.ProfileRequest{Profile: "nobody_c_aaaaa_1"}
	_, err1 := c.Syscalls(ctx, req)
	_, err2 := c.Avcs(ctx, req)
	_, err3 := c.AppArmor(ctx, req)
	for i, err := range []error{err1, err2, err3} {
		if status.Code(err) != codes.NotFound {
			t.Errorf("call %d: %v, want NotFound", i, err)
		}
	}
}
