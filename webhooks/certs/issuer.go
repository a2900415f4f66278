package certs

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/secprofiles/spo/webhooks"
)

// +kubebuilder:rbac:groups="",namespace=security-profiles-operator,resources=secrets,verbs=get;list;watch;create;update;patch
// The CA bundle goes into the webhook configuration and spo's CRDs only
// (resourceNames: see webhooks/config/reconciler.go).
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations,resourceNames=spo-mutating-webhook-configuration,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;list;watch

// Issuer is the built-in mode's certificate authority: it keeps the CA and
// the serving certificate in the Secret valid, and the caBundle of the
// webhook configuration and conversion CRDs in step with the CA. It runs in
// the elected leader only.
type Issuer struct {
	client client.Client
	// secrets reads the Secret from the API server, not the cache: a stale
	// copy would have the issuer mint a second CA right after the first.
	secrets client.Reader
	opts    Options
	names   names
	now     func() time.Time

	// mu serializes the controller with Rotate calls from outside it.
	mu sync.Mutex
}

func newIssuer(c client.Client, secrets client.Reader, opts Options) *Issuer {
	return &Issuer{
		client:  c,
		secrets: secrets,
		opts:    opts,
		names:   names{dns: DNSNames(opts.Namespace, opts.ExtraDNSNames), ips: IPs(opts.ExtraIPs)},
		now:     time.Now,
	}
}

// Reconcile issues what is missing or due and injects the caBundle; it
// comes back before the next certificate is due.
func (i *Issuer) Reconcile(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	b, err := i.ensure(ctx, false)
	if err != nil {
		return reconcile.Result{}, err
	}
	if err := i.inject(ctx, b.CABundle()); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{RequeueAfter: nextCheck(i.now(), b, i.opts.CheckInterval)}, nil
}

// Rotate replaces the CA and the serving certificate now, keeping the old
// CA trusted for a grace period so admissions keep working while replicas
// load the new certificate. Call it once the manager runs (it reads from
// the cache), in the replica that issues: it does not wait for leadership.
func (i *Issuer) Rotate(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	b, err := i.ensure(ctx, true)
	if err != nil {
		return err
	}
	return i.inject(ctx, b.CABundle())
}

// ensure returns the Secret's bundle after issuing what it lacks (all of
// it when force is set).
func (i *Issuer) ensure(ctx context.Context, force bool) (*Bundle, error) {
	secret, err := i.secret(ctx)
	if err != nil {
		return nil, err
	}
	var cur *Bundle
	var parseErr error = fmt.Errorf("no Secret %s", webhooks.SecretName)
	if secret != nil {
		cur, parseErr = ParseBundle(secret.Data)
	}
	now := i.now()
	p := planFor(now, cur, parseErr, i.names)
	if force {
		p = rotateAll
	}
	if !p.any() {
		return cur, nil
	}
	log.FromContext(ctx).Info("Issuing webhook certificates", "reason", p.reason, "newCA", p.newCA, "newServing", p.newServing)
	next, err := issue(now, cur, p, i.names)
	if err != nil {
		return nil, err
	}
	if p.newCA {
		// Trust the new CA before any replica can present a certificate
		// it signed; the old CA stays in the bundle for the others.
		if err := i.inject(ctx, next.CABundle()); err != nil {
			return nil, err
		}
	}
	if err := i.writeSecret(ctx, secret, next); err != nil {
		return nil, err
	}
	return next, nil
}

func (i *Issuer) secret(ctx context.Context) (*corev1.Secret, error) {
	secret := &corev1.Secret{}
	err := i.secrets.Get(ctx, types.NamespacedName{Namespace: i.opts.Namespace, Name: webhooks.SecretName}, secret)
	if client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("reading Secret %s/%s: %w", i.opts.Namespace, webhooks.SecretName, err)
	}
	if err != nil {
		return nil, nil
	}
	return secret, nil
}

// writeSecret stores b. It creates or updates with the resourceVersion it
// read, never applies: if two issuers overlap (a leader change), the
// slower one fails on the conflict instead of replacing the other's CA.
func (i *Issuer) writeSecret(ctx context.Context, existing *corev1.Secret, b *Bundle) error {
	data, err := b.Data()
	if err != nil {
		return err
	}
	if existing == nil {
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: i.opts.Namespace, Name: webhooks.SecretName,
				Labels: map[string]string{"app.kubernetes.io/part-of": "spo"}},
			Type: corev1.SecretTypeTLS,
			Data: data,
		}
		if err := i.client.Create(ctx, secret, client.FieldOwner(webhooks.CertsFieldManager)); err != nil {
			return fmt.Errorf("creating Secret %s/%s: %w", i.opts.Namespace, webhooks.SecretName, err)
		}
		return nil
	}
	secret := existing.DeepCopy()
	secret.Data = data
	if err := i.client.Update(ctx, secret, client.FieldOwner(webhooks.CertsFieldManager)); err != nil {
		return fmt.Errorf("updating Secret %s/%s: %w", i.opts.Namespace, webhooks.SecretName, err)
	}
	return nil
}
