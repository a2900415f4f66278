package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/secprofiles/spo/webhooks"
)

// Syncer copies the serving certificate from the Secret into Dir, where
// the webhook server's certificate watcher reloads it. It runs in every
// replica, leader or not, and in either mode.
type Syncer struct {
	// Reader reads the Secret, normally the manager's cache.
	Reader    client.Reader
	Namespace string
	Dir       string
}

// Reconcile writes the Secret's tls.crt and tls.key when they differ from
// the files. A Secret that is missing or holds a broken pair changes
// nothing: the server keeps serving the last good certificate.
func (s *Syncer) Reconcile(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
	secret := &corev1.Secret{}
	err := s.Reader.Get(ctx, types.NamespacedName{Namespace: s.Namespace, Name: webhooks.SecretName}, secret)
	if err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	crt, key := secret.Data[KeyCert], secret.Data[KeyKey]
	if _, err := tls.X509KeyPair(crt, key); err != nil {
		log.FromContext(ctx).Info("Not syncing an unusable serving certificate", "error", err.Error())
		return reconcile.Result{}, nil
	}
	if s.onDisk(KeyCert, crt) && s.onDisk(KeyKey, key) {
		return reconcile.Result{}, nil
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return reconcile.Result{}, fmt.Errorf("creating %s: %w", s.Dir, err)
	}
	if err := writePair(s.Dir, map[string][]byte{KeyCert: crt, KeyKey: key}); err != nil {
		return reconcile.Result{}, err
	}
	log.FromContext(ctx).Info("Wrote the serving certificate", "dir", s.Dir)
	return reconcile.Result{}, nil
}

func (s *Syncer) onDisk(name string, want []byte) bool {
	got, err := os.ReadFile(filepath.Join(s.Dir, name))
	return err == nil && bytes.Equal(got, want)
}
