package spod

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	v1 "github.com/secprofiles/spo/api/v1"
	"github.com/secprofiles/spo/webhooks"
)

// The webhook server's names. The Service name is the one the webhook
// configuration points at (webhooks/config).
const (
	WebhookName           = webhooks.ServiceName
	WebhookServiceAccount = "spo-webhook"
	ContainerWebhook      = "webhook"
	// WebhookReplicas keep pod creation going while one webhook pod is
	// down (DESIGN §6.3).
	WebhookReplicas = 2
)

// WebhookLabels select the webhook server's pods.
func WebhookLabels() map[string]string {
	return map[string]string{"app.kubernetes.io/name": "spo", "app.kubernetes.io/component": "webhook"}
}

// WebhookDeployment is the admission webhook server the SPOD asks for: two
// replicas spread over nodes, unprivileged. It issues its own serving
// certificate (or has cert-manager do it) into an emptyDir.
func WebhookDeployment(spod *v1.SecurityProfilesOperatorDaemon, p Params) *appsv1.Deployment {
	s := spod.Spec
	sc := restricted()
	sc.RunAsUser = nil
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment"},
		ObjectMeta: objectMeta(spod, WebhookName, p.Namespace),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](WebhookReplicas),
			Selector: &metav1.LabelSelector{MatchLabels: WebhookLabels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: WebhookLabels()},
				Spec: corev1.PodSpec{
					ServiceAccountName: WebhookServiceAccount,
					ImagePullSecrets:   s.ImagePullSecrets,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr.To(true),
						RunAsUser:      ptr.To[int64](65532),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway,
						LabelSelector: &metav1.LabelSelector{MatchLabels: WebhookLabels()},
					}},
					Containers: []corev1.Container{{
						Name:  ContainerWebhook,
						Image: p.Image,
						Args:  append([]string{"webhook", "--leader-elect", "--cert-dir=/tmp/certs"}, commonArgs(s)...),
						Env: append([]corev1.EnvVar{{Name: "SPO_NAMESPACE", ValueFrom: &corev1.EnvVarSource{
							FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}, restrictEnv(p)...),
						Ports: []corev1.ContainerPort{
							{Name: "webhook", ContainerPort: 9443, Protocol: corev1.ProtocolTCP},
							{Name: "metrics", ContainerPort: 8070, Protocol: corev1.ProtocolTCP},
							{Name: "health", ContainerPort: 8071, Protocol: corev1.ProtocolTCP},
						},
						StartupProbe:  startupProbe("health"),
						LivenessProbe: httpProbe("health", "/healthz"),
						// Ready only once the TLS server answers a handshake.
						ReadinessProbe: httpProbe("health", "/readyz"),
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
						},
						SecurityContext: sc,
						VolumeMounts:    []corev1.VolumeMount{{Name: "certs", MountPath: "/tmp/certs"}},
					}},
					Volumes: []corev1.Volume{{Name: "certs", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
}

// WebhookService is what the API server calls.
func WebhookService(spod *v1.SecurityProfilesOperatorDaemon, p Params) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: objectMeta(spod, WebhookName, p.Namespace),
		Spec: corev1.ServiceSpec{
			Selector: WebhookLabels(),
			Ports: []corev1.ServicePort{{Name: "webhook", Port: 443, TargetPort: intstr.FromString("webhook"),
				Protocol: corev1.ProtocolTCP}},
		},
	}
}

// WebhookPodDisruptionBudget keeps one webhook pod running through node
// drains.
func WebhookPodDisruptionBudget(spod *v1.SecurityProfilesOperatorDaemon, p Params) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: policyv1.SchemeGroupVersion.String(), Kind: "PodDisruptionBudget"},
		ObjectMeta: objectMeta(spod, WebhookName, p.Namespace),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector:     &metav1.LabelSelector{MatchLabels: WebhookLabels()},
		},
	}
}

// objectMeta names an object of the webhook server, controlled by the SPOD.
func objectMeta(spod *v1.SecurityProfilesOperatorDaemon, name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: WebhookLabels(), OwnerReferences: ownerRefs(spod)}
}

func ownerRefs(spod *v1.SecurityProfilesOperatorDaemon) []metav1.OwnerReference {
	if spod.UID == "" {
		return nil
	}
	return []metav1.OwnerReference{*metav1.NewControllerRef(spod, v1.GroupVersion.WithKind("SecurityProfilesOperatorDaemon"))}
}
