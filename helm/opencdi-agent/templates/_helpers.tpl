{{- define "opencdi-agent.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* Release "opencdi-agent" gives "opencdi-agent", release "opencdi" gives "opencdi-agent". */ -}}
{{- define "opencdi-agent.fullname" -}}
{{- if contains "agent" .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-agent" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "opencdi-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "opencdi-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "opencdi-agent.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: opencdi
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "opencdi-agent.labels" -}}
{{ include "opencdi-agent.commonLabels" . }}
app.kubernetes.io/name: {{ include "opencdi-agent.name" . }}
app.kubernetes.io/component: cluster-agent
{{- end }}

{{- define "opencdi-agent.serviceAccountName" -}}
{{- default (include "opencdi-agent.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "opencdi-agent.image" -}}
{{- $img := .Values.image -}}
{{- $repo := printf "%s/%s" $img.registry $img.repository | trimPrefix "/" -}}
{{- if $img.digest -}}
{{- if not (hasPrefix "sha256:" $img.digest) }}{{ fail "image.digest must start with sha256:" }}{{ end -}}
{{- printf "%s@%s" $repo $img.digest -}}
{{- else -}}
{{- $tag := default .Chart.AppVersion $img.tag | toString -}}
{{- if eq $tag "latest" }}{{ fail "image.tag must name a version, not latest" }}{{ end -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end }}

{{- /* The gateway URL, checked: TLS unless allowInsecureGateway. */ -}}
{{- define "opencdi-agent.gatewayUrl" -}}
{{- $url := required "gatewayUrl is required (wss://desktops.example.com)" .Values.gatewayUrl -}}
{{- $u := urlParse $url -}}
{{- if not (has $u.scheme (list "wss" "https" "ws" "http")) }}{{ fail (printf "gatewayUrl must be a wss:// or https:// URL, was %s" $url) }}{{ end -}}
{{- if and (has $u.scheme (list "ws" "http")) (not .Values.allowInsecureGateway) }}{{ fail (printf "gatewayUrl %s is not encrypted: use wss://, or set allowInsecureGateway for a gateway in this cluster" $url) }}{{ end -}}
{{- if not $u.host }}{{ fail (printf "gatewayUrl has no host: %s" $url) }}{{ end -}}
{{- $url -}}
{{- end }}

{{- /* The port the agent dials the gateway on. */ -}}
{{- define "opencdi-agent.gatewayPort" -}}
{{- $u := urlParse (include "opencdi-agent.gatewayUrl" .) -}}
{{- $hostport := splitList ":" $u.host -}}
{{- if gt (len $hostport) 1 }}{{ last $hostport }}{{ else if has $u.scheme (list "wss" "https") }}443{{ else }}80{{ end -}}
{{- end }}

{{- define "opencdi-agent.clusterName" -}}
{{- $name := required "cluster.name is required: the member cluster's name as the gateway shows it" .Values.cluster.name -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$" $name) }}{{ fail (printf "cluster.name must be a lower-case DNS label, was %s" $name) }}{{ end -}}
{{- $name -}}
{{- end }}

{{- define "opencdi-agent.storageClass" -}}
{{- if .Values.longhorn.enabled }}{{ .Values.longhorn.storageClass.name }}{{ else }}{{ .Values.desktops.storageClass }}{{ end -}}
{{- end }}

{{- define "opencdi-agent.volumeSnapshotClass" -}}
{{- if .Values.longhorn.enabled }}{{ .Values.longhorn.volumeSnapshotClass.name }}{{ else }}{{ .Values.desktops.volumeSnapshotClass }}{{ end -}}
{{- end }}

{{- /* The agent pods' labels as key=value,… for the runtime's per-desktop NetworkPolicy. */ -}}
{{- define "opencdi-agent.podLabelsCsv" -}}
{{- $labels := fromYaml (include "opencdi-agent.selectorLabels" .) -}}
{{- $pairs := list -}}
{{- range $k := keys $labels | sortAlpha }}{{ $pairs = append $pairs (printf "%s=%s" $k (index $labels $k)) }}{{ end -}}
{{- join "," $pairs -}}
{{- end }}
