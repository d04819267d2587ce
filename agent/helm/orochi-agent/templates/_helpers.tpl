{{/* Object names match the ones of GET /v1/regions/{id}/install.yaml (core/regions/install-manifests.ts). */}}
{{- define "orochi-agent.name" -}}orochi-agent{{- end -}}
{{- define "orochi-agent.registrationSecret" -}}
{{- if .Values.existingSecret -}}{{ .Values.existingSecret }}{{- else -}}orochi-agent-registration{{- end -}}
{{- end -}}
{{- define "orochi-agent.dataClaim" -}}orochi-agent-data{{- end -}}
{{- define "orochi-agent.dataDir" -}}/var/lib/orochi-agent{{- end -}}

{{- define "orochi-agent.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "orochi-agent.selectorLabels" -}}
app.kubernetes.io/name: orochi-agent
{{- end -}}

{{- define "orochi-agent.labels" -}}
{{ include "orochi-agent.selectorLabels" . }}
app.kubernetes.io/part-of: orochi-cloud
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end -}}
