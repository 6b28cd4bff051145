{{/* Names and labels follow the Kubernetes recommended labels. */}}
{{- define "opencdi-gateway.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "opencdi-gateway.fullname" -}}
{{- /* Release "opencdi" gives "opencdi-gateway". */ -}}
{{- if contains "gateway" .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-gateway" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "opencdi-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "opencdi-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "opencdi-gateway.commonLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: opencdi
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "opencdi-gateway.labels" -}}
{{ include "opencdi-gateway.commonLabels" . }}
app.kubernetes.io/name: {{ include "opencdi-gateway.name" . }}
app.kubernetes.io/component: gateway
{{- end }}

{{- define "opencdi-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "opencdi-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* registry/repository:tag or @digest; `latest` and empty tags are refused. */}}
{{- define "opencdi-gateway.image" -}}
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

{{/* The public host, taken from publicUrl, which must be https. */}}
{{- define "opencdi-gateway.publicHost" -}}
{{- $url := required "publicUrl is required (https://opencdi.example.com)" .Values.publicUrl -}}
{{- $u := urlParse $url -}}
{{- if ne $u.scheme "https" }}{{ fail (printf "publicUrl must be an https URL, was %s" $url) }}{{ end -}}
{{- if not $u.host }}{{ fail (printf "publicUrl has no host: %s" $url) }}{{ end -}}
{{- $u.host -}}
{{- end }}

{{- define "opencdi-gateway.cnpgName" -}}
{{- printf "%s-db" (include "opencdi-gateway.fullname" .) | trunc 50 | trimSuffix "-" }}
{{- end }}

{{/* The reactive URL: the external one, or the CloudNativePG read-write service. */}}
{{- define "opencdi-gateway.databaseUrl" -}}
{{- if .Values.postgresql.cnpg.enabled -}}
{{- printf "postgresql://%s-rw:5432/%s" (include "opencdi-gateway.cnpgName" .) .Values.postgresql.cnpg.database -}}
{{- else -}}
{{- $url := required "database.url is required (postgresql://host:5432/opencdi), or enable postgresql.cnpg" .Values.database.url -}}
{{- if not (hasPrefix "postgresql://" $url) }}{{ fail (printf "database.url must start with postgresql://, was %s" (urlParse $url).scheme) }}{{ end -}}
{{- if (urlParse $url).userinfo }}{{ fail "database.url must not carry credentials; put them in the Secret named by database.existingSecret" }}{{ end -}}
{{- $url -}}
{{- end -}}
{{- end }}

{{- define "opencdi-gateway.databaseSecret" -}}
{{- if .Values.database.existingSecret -}}
{{- .Values.database.existingSecret -}}
{{- else if .Values.postgresql.cnpg.enabled -}}
{{- printf "%s-app" (include "opencdi-gateway.cnpgName" .) -}}
{{- else -}}
{{- fail "database.existingSecret is required: a Secret with the database user name and password" -}}
{{- end -}}
{{- end }}

{{- define "opencdi-gateway.bootstrapSecret" -}}
{{- default (printf "%s-agent-bootstrap" (include "opencdi-gateway.fullname" .)) .Values.agents.bootstrap.existingSecret -}}
{{- end }}

{{- define "opencdi-gateway.jwksUrl" -}}
{{- $issuer := required "auth.oidc.issuer is required (e.g. https://keycloak.example.com/realms/opencdi)" .Values.auth.oidc.issuer -}}
{{- default (printf "%s/protocol/openid-connect/certs" (trimSuffix "/" $issuer)) .Values.auth.oidc.jwksUrl -}}
{{- end }}
