{{/* Labels and selector of one component: include "spo.labels" "manager" */}}
{{- define "spo.labels" -}}
{app.kubernetes.io/name: spo, app.kubernetes.io/component: {{ . }}}
{{- end }}

{{/* The generated RBAC file f, with the operator namespace replaced. */}}
{{- define "spo.rbac" -}}
{{ .root.Files.Get .file | replace "namespace: security-profiles-operator" (printf "namespace: %s" .root.Values.namespace) }}
{{- end }}
