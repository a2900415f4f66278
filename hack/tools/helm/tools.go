//go:build tools

// Package tools pins the helm CLI used by hack/helm.sh to render
// config/helm/spo in tests. Helm stays out of the main module.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
