package daemon

// The metrics endpoint asks the API server who a scraper is and whether it
// may get /metrics (package metricsauth).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create
