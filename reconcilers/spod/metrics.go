package spod

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/secprofiles/spo/api/v1"
)

// The daemon's metrics endpoint, as a Service and, with the Prometheus
// Operator, a ServiceMonitor, named as SPO names them: the Prometheus
// Operator derives the job label from the Service name, and SPO's
// dashboards and alerts select job="metrics".
const (
	MetricsServiceName = "metrics"
	// MetricsServicePort is the Service's port, named "https" as SPO's.
	MetricsServicePort = 443
	// MetricsPort is the daemon container's metrics port.
	MetricsPort = 8090
	// ServiceMonitorName is SPO's ServiceMonitor name.
	ServiceMonitorName = "security-profiles-operator-monitor"
	// metricsPath and spodMetricsPath are the daemon's two metrics paths:
	// controller-runtime's, and the spo families' (spodmetrics.Path).
	metricsPath, spodMetricsPath = "/metrics", "/metrics-spod"
	// ServiceAccountTokenFile is the scraper's own ServiceAccount token,
	// which it sends as the bearer token.
	ServiceAccountTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// ServiceMonitorGVK is the Prometheus Operator's ServiceMonitor. spo does
// not depend on it: the ServiceMonitor is rendered only while its CRD is
// served.
var ServiceMonitorGVK = schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "ServiceMonitor"}

// MetricsLabels label the metrics Service; the ServiceMonitor selects it
// by them.
func MetricsLabels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": "spo", "app.kubernetes.io/component": "metrics"}
}

// MetricsService gives the daemon pods' metrics port one stable name
// (ClusterIP; Prometheus scrapes each pod behind it through its
// endpoints).
func MetricsService(spod *v1.SecurityProfilesOperatorDaemon, p Params) *corev1.Service {
	return &corev1.Service{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{
			Name: MetricsServiceName, Namespace: p.Namespace, Labels: MetricsLabels(), OwnerReferences: ownerRefs(spod),
		},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: Labels(),
			Ports: []corev1.ServicePort{{Name: "https", Port: MetricsServicePort, TargetPort: intstr.FromString("metrics"),
				Protocol: corev1.ProtocolTCP}},
		},
	}
}

// ServiceMonitor has the Prometheus Operator scrape both of the daemon
// pods' metrics paths behind MetricsService. By default the daemon serves HTTPS with a self-signed
// certificate to a bearer token the API server authorizes: Prometheus
// sends its own ServiceAccount token and does not verify the certificate
// (its ServiceAccount needs the spo-metrics-client ClusterRole). With
// enableInsecureMetricsAccess the daemon serves plain HTTP, scraped as is.
func ServiceMonitor(spod *v1.SecurityProfilesOperatorDaemon, p Params) *unstructured.Unstructured {
	var endpoints []any
	for _, path := range []string{metricsPath, spodMetricsPath} {
		endpoint := map[string]any{"port": "https", "path": path, "scheme": "http"}
		if !spod.Spec.EnableInsecureMetricsAccess {
			endpoint = map[string]any{
				"port": "https", "path": path, "scheme": "https",
				"bearerTokenFile": ServiceAccountTokenFile,
				"tlsConfig":       map[string]any{"insecureSkipVerify": true},
			}
		}
		endpoints = append(endpoints, endpoint)
	}
	labels := map[string]any{}
	for k, v := range MetricsLabels() {
		labels[k] = v
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"selector":          map[string]any{"matchLabels": labels},
			"namespaceSelector": map[string]any{"matchNames": []any{p.Namespace}},
			"endpoints":         endpoints,
		},
	}}
	u.SetGroupVersionKind(ServiceMonitorGVK)
	u.SetName(ServiceMonitorName)
	u.SetNamespace(p.Namespace)
	u.SetLabels(MetricsLabels())
	u.SetOwnerReferences(ownerRefs(spod))
	return u
}

// serviceMonitorServed reports whether the API server serves
// ServiceMonitors. The manager's RESTMapper caches what it found: once the
// group is known this costs nothing, and while it is missing one discovery
// request per reconcile.
func serviceMonitorServed(mapper meta.RESTMapper) (bool, error) {
	_, err := mapper.RESTMapping(ServiceMonitorGVK.GroupKind(), ServiceMonitorGVK.Version)
	switch {
	case err == nil:
		return true, nil
	case meta.IsNoMatchError(err):
		return false, nil
	default:
		return false, fmt.Errorf("looking up %s: %w", ServiceMonitorGVK.GroupKind(), err)
	}
}

// metricsObjects are the metrics Service and, when the Prometheus
// Operator's CRD is served, the ServiceMonitor. A failed lookup is logged
// and leaves the ServiceMonitor out until the next reconcile: monitoring
// is never a reason to hold up the daemon.
func (r *Reconciler) metricsObjects(ctx context.Context, spod *v1.SecurityProfilesOperatorDaemon) []client.Object {
	objs := []client.Object{MetricsService(spod, r.Params)}
	served, err := serviceMonitorServed(r.RESTMapper())
	if err != nil {
		log.FromContext(ctx).Error(err, "Leaving out the ServiceMonitor")
	}
	if !served {
		return objs
	}
	return append(objs, ServiceMonitor(spod, r.Params))
}
