package certs

import (
	"context"
	"crypto/tls"
	"path/filepath"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// WaitForCert blocks until dir holds a tls.crt and tls.key that load as a
// pair, or ctx ends.
func WaitForCert(ctx context.Context, dir string) error {
	return wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(context.Context) (bool, error) {
		return HasCert(dir), nil
	})
}

// HasCert says whether dir holds a usable tls.crt and tls.key.
func HasCert(dir string) bool {
	_, err := tls.LoadX509KeyPair(filepath.Join(dir, KeyCert), filepath.Join(dir, KeyKey))
	return err == nil
}

// ServeAfterCert wraps srv (which reads its certificate from dir) so that
// it starts only once the Syncer has written a certificate there.
//
// controller-runtime's server fails to start without certificate files,
// and it starts before the caches and leader election the certificate
// depends on: on a first install, or with an emptyDir, it would always
// fail. Until the wrapped server starts, its StartedChecker reports not
// ready, so a replica without a certificate gets no traffic.
func ServeAfterCert(srv webhook.Server, dir string) webhook.Server {
	return &serveAfterCert{Server: srv, dir: dir}
}

type serveAfterCert struct {
	webhook.Server
	dir string
}

func (s *serveAfterCert) Start(ctx context.Context) error {
	if err := WaitForCert(ctx, s.dir); err != nil {
		// Only ctx ends the wait: the manager is stopping.
		return nil
	}
	return s.Server.Start(ctx)
}
