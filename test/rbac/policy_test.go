package rbac

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/test/controlplane"
)

const nodeKey = "authentication.kubernetes.io/node-name"

// daemonOn returns a client that authenticates as spo-daemon with the
// bound token of a daemon pod scheduled on node, as the kubelet hands it to
// the pod: the API server puts the node's name into the token and, when it
// authenticates it, into the user's extra info the policies read.
func daemonOn(ctx context.Context, t *testing.T, node string) client.Client {
	t.Helper()
	must(t, client.IgnoreAlreadyExists(k8s.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}})))
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "spo-daemon-" + node, Namespace: namespace},
		Spec: corev1.PodSpec{ServiceAccountName: "spo-daemon", NodeName: node,
			Containers: []corev1.Container{{Name: "daemon", Image: "spo"}}},
	}
	must(t, client.IgnoreAlreadyExists(k8s.Create(ctx, pod)))
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod))
	cs := kubernetes.NewForConfigOrDie(cfg)
	tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, "spo-daemon", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{
			ExpirationSeconds: ptr.To[int64](3600),
			BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
		},
	}, metav1.CreateOptions{})
	must(t, err)
	c := tokenClient(t, tr.Status.Token)
	// The fixture itself: the token must carry the node, or every refusal
	// below would be for the wrong reason.
	review, err := kubernetes.NewForConfigOrDie(tokenConfig(tr.Status.Token)).AuthenticationV1().SelfSubjectReviews().
		Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	must(t, err)
	if got := review.Status.UserInfo.Extra[nodeKey]; !slices.Equal(got, []string{node}) {
		t.Fatalf("the daemon pod's token names node %v, want [%s] (user %+v)", got, node, review.Status.UserInfo)
	}
	return c
}

func tokenConfig(token string) *rest.Config {
	return &rest.Config{Host: cfg.Host, BearerToken: token, TLSClientConfig: rest.TLSClientConfig{CAData: cfg.CAData}}
}

func tokenClient(t *testing.T, token string) client.Client {
	t.Helper()
	c, err := client.New(tokenConfig(token), client.Options{Scheme: controlplane.Scheme()})
	must(t, err)
	return c
}

// impersonating is the admin's client acting as user with extra info.
func impersonating(t *testing.T, user string, extra map[string][]string) client.Client {
	t.Helper()
	c := rest.CopyConfig(cfg)
	c.Impersonate = rest.ImpersonationConfig{UserName: user, Extra: extra}
	cl, err := client.New(c, client.Options{Scheme: controlplane.Scheme()})
	must(t, err)
	return cl
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func report(name, node string) *v1.SecurityProfileNodeStatus {
	return &v1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       v1.SecurityProfileNodeStatusSpec{NodeName: node, ProfileKind: "SeccompProfile", ProfileName: "p"},
	}
}

// refused checks that err is the policy's refusal and that its message
// says what was refused.
func refused(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s was admitted", what)
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: refusal %q does not say %q", what, err, w)
		}
	}
}

// policiesActive waits until the API server has loaded the shipped
// policies (it watches them) and checks that their CEL type-checks.
func policiesActive(ctx context.Context, t *testing.T) {
	t.Helper()
	anon := impersonating(t, "system:serviceaccount:"+namespace+":spo-daemon", nil)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := anon.Create(ctx, report("probe", "nowhere"), client.DryRunAll)
		if err != nil && strings.Contains(err.Error(), "spo-daemon-node-restriction") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the node restriction policy is not enforced after 30s: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, o := range ofKind("ValidatingAdmissionPolicy") {
		p := &admissionregistrationv1.ValidatingAdmissionPolicy{}
		must(t, k8s.Get(ctx, client.ObjectKey{Name: o.GetName()}, p))
		if tc := p.Status.TypeChecking; tc != nil && len(tc.ExpressionWarnings) > 0 {
			t.Errorf("policy %s does not type-check: %+v", p.Name, tc.ExpressionWarnings)
		}
	}
}

func TestDaemonWritesOnlyItsOwnNodesReports(t *testing.T) {
	ctx := t.Context()
	policiesActive(ctx, t)
	a := daemonOn(ctx, t, "node-a")
	daemonOn(ctx, t, "node-b")

	own := report("p-node-a", "node-a")
	must(t, a.Create(ctx, own))
	own.Status.Status = v1.ProfileStateInstalled
	must(t, a.Update(ctx, own))
	// The status is a subresource: the daemon writes it there too.
	must(t, a.Status().Update(ctx, own))

	refused(t, "creating node-b's report from node-a", a.Create(ctx, report("p-node-b", "node-b")),
		"spo-daemon on node node-a", "spec.nodeName node-b", "own node")

	other := report("q-node-b", "node-b")
	must(t, k8s.Create(ctx, other))
	must(t, a.Get(ctx, client.ObjectKeyFromObject(other), other))
	other.Status.Status = v1.ProfileStateError
	refused(t, "updating node-b's report from node-a", a.Update(ctx, other), "spo-daemon on node node-a", "q-node-b", "node-b")
	refused(t, "updating node-b's report's status from node-a", a.Status().Update(ctx, other),
		"spo-daemon on node node-a", "q-node-b", "node-b")
	refused(t, "taking over node-b's report from node-a", func() error {
		taken := other.DeepCopy()
		taken.Spec.NodeName = "node-a"
		return a.Update(ctx, taken)
	}(), "q-node-b", "node-b")
	refused(t, "deleting node-b's report from node-a", a.Delete(ctx, other), "may not delete", "q-node-b")

	must(t, a.Delete(ctx, own))

	// A daemon credential without a node (a token not bound to a scheduled
	// pod) writes nothing; the policy reads the same user extra that an
	// impersonating admin could set.
	unbound := impersonating(t, "system:serviceaccount:"+namespace+":spo-daemon", nil)
	refused(t, "creating a report without a node name", unbound.Create(ctx, report("p-nowhere", "node-a")),
		"names no node")
	spoofed := impersonating(t, "system:serviceaccount:"+namespace+":spo-daemon", map[string][]string{nodeKey: {"node-a"}})
	refused(t, "creating node-b's report as node-a (impersonated)", spoofed.Create(ctx, report("r-node-b", "node-b")), "node-b")
}

func TestDaemonChangesOnlyProfilesMetadata(t *testing.T) {
	ctx := t.Context()
	policiesActive(ctx, t)
	a := daemonOn(ctx, t, "node-a")

	p := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "tenant-profile"},
		Spec: v1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_ERRNO"}}
	must(t, k8s.Create(ctx, p))

	// Its node finalizer: allowed.
	fin := []byte(`[{"op":"add","path":"/metadata/finalizers","value":["` + v1.NodeFinalizer("node-a") + `"]}]`)
	must(t, a.Patch(ctx, p.DeepCopy(), client.RawPatch(types.JSONPatchType, fin)))

	weaker, _ := json.Marshal(map[string]any{"spec": map[string]any{"defaultAction": "SCMP_ACT_ALLOW"}})
	refused(t, "the daemon weakening a profile's defaultAction", a.Patch(ctx, p.DeepCopy(), client.RawPatch(types.MergePatchType, weaker)),
		"SeccompProfile tenant-profile", "not its spec")

	label := []byte(`{"metadata":{"labels":{"spo.x-k8s.io/recording":"r"}}}`)
	refused(t, "the daemon marking a profile as recorded", a.Patch(ctx, p.DeepCopy(), client.RawPatch(types.MergePatchType, label)),
		"spo.x-k8s.io/recording", "tenant-profile")

	// A profile the daemon recorded (labelled at creation) it may extend.
	rec := &v1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Name: "recorded", Labels: map[string]string{"spo.x-k8s.io/recording": "r"}},
		Spec: v1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_ERRNO"}}
	must(t, k8s.Create(ctx, rec))
	extend, _ := json.Marshal(map[string]any{"spec": map[string]any{"architectures": []string{"SCMP_ARCH_X86_64"}}})
	must(t, a.Patch(ctx, rec.DeepCopy(), client.RawPatch(types.MergePatchType, extend)))

	// The manager is not confined: the policy is the daemon's.
	must(t, k8s.Patch(ctx, p.DeepCopy(), client.RawPatch(types.MergePatchType, weaker)))
	t.Cleanup(func() {
		ctx := context.Background()
		for _, o := range []*v1.SeccompProfile{p, rec} {
			_ = k8s.Patch(ctx, o.DeepCopy(), client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))
			_ = k8s.Delete(ctx, o)
		}
	})
}

// The webhook's name-restricted permissions are enough for what it does:
// create its configuration by server-side apply, read it through a
// name-selected list, and patch spo's CRDs.
func TestWebhookWritesItsConfigurationByName(t *testing.T) {
	ctx := t.Context()
	wh := impersonating(t, "system:serviceaccount:"+namespace+":spo-webhook", nil)
	cfgOf := func(name string) *admissionregistrationv1.MutatingWebhookConfiguration {
		return &admissionregistrationv1.MutatingWebhookConfiguration{
			TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
		}
	}
	must(t, wh.Patch(ctx, cfgOf(mwc), client.Apply, client.FieldOwner("spo-webhook"), client.ForceOwnership)) //nolint:staticcheck // the webhook applies the same way
	list := &admissionregistrationv1.MutatingWebhookConfigurationList{}
	must(t, wh.List(ctx, list, client.MatchingFields{"metadata.name": mwc}))
	if len(list.Items) != 1 {
		t.Fatalf("listing its configuration by name found %d", len(list.Items))
	}
	if err := wh.Patch(ctx, cfgOf("another-vendors-webhooks"), client.Apply, client.FieldOwner("spo-webhook")); err == nil { //nolint:staticcheck
		t.Fatal("the webhook created another MutatingWebhookConfiguration")
	}
	crd := []byte(`{"metadata":{"annotations":{"spo.x-k8s.io/test":"x"}}}`)
	for _, o := range ofKind("CustomResourceDefinition") {
		obj := o.DeepCopy()
		must(t, wh.Patch(ctx, obj, client.RawPatch(types.MergePatchType, crd)))
	}
}
