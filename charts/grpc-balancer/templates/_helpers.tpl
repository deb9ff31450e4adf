{{/*
Chart name, overridable with nameOverride.
*/}}
{{- define "grpc-balancer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name when it already contains the chart name, else
"<release>-<chart>"; cut at 63 characters (the DNS label limit some fields have).
*/}}
{{- define "grpc-balancer.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name for cluster-scoped objects (ClusterRole, ClusterRoleBinding): two releases of the same name
in different namespaces must not share one.
*/}}
{{- define "grpc-balancer.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "grpc-balancer.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "grpc-balancer.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels every object of the release carries.
*/}}
{{- define "grpc-balancer.labels" -}}
helm.sh/chart: {{ include "grpc-balancer.chart" . }}
{{ include "grpc-balancer.selectorLabels" . }}
app.kubernetes.io/version: {{ include "grpc-balancer.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: grpc-balancer
{{- end }}

{{/*
Labels that select the balancer pods: the Deployment's selector, the PDB's, the admin Service's,
and (as --pod-selector) every Service the controller manages.
*/}}
{{- define "grpc-balancer.selectorLabels" -}}
app.kubernetes.io/name: {{ include "grpc-balancer.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The selector labels as the controller's --pod-selector value: k=v,k=v in a stable order.
*/}}
{{- define "grpc-balancer.podSelectorArg" -}}
{{- $labels := include "grpc-balancer.selectorLabels" . | fromYaml }}
{{- $pairs := list }}
{{- range $key := keys $labels | sortAlpha }}
{{- $pairs = append $pairs (printf "%s=%s" $key (get $labels $key)) }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{/*
The version label: the image tag when set, else the chart's appVersion; a digest-only image keeps
appVersion. Label values allow [A-Za-z0-9_.-] only.
*/}}
{{- define "grpc-balancer.version" -}}
{{- default .Chart.AppVersion .Values.image.tag | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The image reference: repository:tag, or repository@digest when a digest is given (the digest wins,
the tag then only documents).
*/}}
{{- define "grpc-balancer.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "grpc-balancer.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "grpc-balancer.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The namespaces the controller watches, as a JSON list (use with fromJsonArray): watchNamespaces
without duplicates, or the release namespace when the list is empty. Empty with
watchAnyNamespace.
*/}}
{{- define "grpc-balancer.watchNamespaces" -}}
{{- if .Values.watchAnyNamespace }}
{{- list | toJson }}
{{- else if .Values.watchNamespaces }}
{{- .Values.watchNamespaces | uniq | toJson }}
{{- else }}
{{- list .Release.Namespace | toJson }}
{{- end }}
{{- end }}

{{/*
Seconds in a duration written as the CLI reads it (500ms, 30s, 2m, 1h); milliseconds round up.
*/}}
{{- define "grpc-balancer.durationSeconds" -}}
{{- $d := toString . }}
{{- if not (regexMatch "^[0-9]{1,9}(ms|s|m|h)$" $d) }}
{{- fail (printf "%q is not a duration such as 500ms, 30s, 2m or 1h" $d) }}
{{- end }}
{{- $n := regexFind "^[0-9]+" $d | atoi }}
{{- $unit := trimPrefix (toString $n) $d }}
{{- if eq $unit "ms" }}{{ div (add $n 999) 1000 }}
{{- else if eq $unit "s" }}{{ $n }}
{{- else if eq $unit "m" }}{{ mul $n 60 }}
{{- else }}{{ mul $n 3600 }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the value when set, else drainDelay + drainTimeout +
terminationGraceMarginSeconds, so the kubelet's SIGKILL never cuts a drain short.
*/}}
{{- define "grpc-balancer.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- $delay := include "grpc-balancer.durationSeconds" .Values.drainDelay | atoi }}
{{- $timeout := include "grpc-balancer.durationSeconds" .Values.drainTimeout | atoi }}
{{- add $delay $timeout .Values.terminationGraceMarginSeconds }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/*
Test hook objects: the namespace the test backend and test GrpcBalancer go to. tests.namespace,
else the release namespace when the controller watches it, else the first watched namespace.
*/}}
{{- define "grpc-balancer.tests.namespace" -}}
{{- $watched := include "grpc-balancer.watchNamespaces" . | fromJsonArray }}
{{- if .Values.tests.namespace }}
{{- .Values.tests.namespace }}
{{- else if or .Values.watchAnyNamespace (has .Release.Namespace $watched) }}
{{- .Release.Namespace }}
{{- else }}
{{- first $watched }}
{{- end }}
{{- end }}

{{/*
Test hook objects: the test GrpcBalancer's name, short enough that the managed Service name
gbal-<namespace>-<name> stays within 63 characters (so it needs no hash suffix).
*/}}
{{- define "grpc-balancer.tests.balancerName" -}}
{{- $ns := include "grpc-balancer.tests.namespace" . }}
{{- $room := sub 63 (len (printf "gbal-%s-" $ns)) | int }}
{{- if lt $room 4 }}
{{- fail (printf "tests: namespace %q is too long for the test balancer's Service name; set tests.namespace" $ns) }}
{{- end }}
{{- printf "%s-test" (include "grpc-balancer.fullname" .) | trunc $room | trimSuffix "-" }}
{{- end }}

{{/*
Test hook objects: the managed Service's name the probe calls through.
*/}}
{{- define "grpc-balancer.tests.serviceName" -}}
{{- printf "gbal-%s-%s" (include "grpc-balancer.tests.namespace" .) (include "grpc-balancer.tests.balancerName" .) }}
{{- end }}

{{- define "grpc-balancer.tests.backendName" -}}
{{- printf "%s-test-backend" (include "grpc-balancer.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of the test backend: never the balancer's selector labels, or the managed Services would
send traffic to it.
*/}}
{{/*
Name label of a test hook object: "<chart name>-<suffix>". Never the balancer's name label, so
neither the Deployment nor the managed Services ever select a test pod.
*/}}
{{- define "grpc-balancer.tests.nameLabel" -}}
{{- printf "%s-%s" (include "grpc-balancer.name" .ctx) .suffix | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "grpc-balancer.tests.backendSelectorLabels" -}}
app.kubernetes.io/name: {{ include "grpc-balancer.tests.nameLabel" (dict "ctx" . "suffix" "test-backend") }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of a test hook object; call with (dict "ctx" $ "suffix" "test-backend").
*/}}
{{- define "grpc-balancer.tests.labels" -}}
helm.sh/chart: {{ include "grpc-balancer.chart" .ctx }}
app.kubernetes.io/name: {{ include "grpc-balancer.tests.nameLabel" . }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/version: {{ include "grpc-balancer.version" .ctx | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: grpc-balancer
app.kubernetes.io/component: test
{{- end }}

{{/*
RBAC rules in every watched namespace (or cluster-wide with watchAnyNamespace).
*/}}
{{/*
"true" when the controller serves the Gateway API: gatewayApi.enabled true, or "auto" and the
cluster has the Gateway API CRDs; else empty.
*/}}
{{- define "grpc-balancer.gatewayApi" -}}
{{- $enabled := .Values.gatewayApi.enabled }}
{{- if or (eq (toString $enabled) "true") (and (eq (toString $enabled) "auto") (.Capabilities.APIVersions.Has "gateway.networking.k8s.io/v1/GatewayClass")) }}true{{- end }}
{{- end }}

{{/*
Cluster-scoped rules of the Gateway API: GatewayClasses (and their status), and Namespaces for
listeners that take routes from namespaces selected by label.
*/}}
{{- define "grpc-balancer.gatewayClusterRules" -}}
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["gatewayclasses"]
  verbs: ["list", "watch"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["gatewayclasses/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["list", "watch"]
{{- end }}

{{- define "grpc-balancer.watchRules" -}}
- apiGroups: ["grpcbalancer.dev"]
  resources: ["grpcbalancers"]
  verbs: ["list", "watch"]
- apiGroups: ["grpcbalancer.dev"]
  resources: ["grpcbalancers/status"]
  verbs: ["patch"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["list", "watch"]
- apiGroups: ["discovery.k8s.io"]
  resources: ["endpointslices"]
  verbs: ["list", "watch"]
# Certificates that balancers reference (spec.listener.tls, spec.backendTLS): read through informers.
- apiGroups: [""]
  resources: ["secrets", "configmaps"]
  verbs: ["list", "watch"]
# Events: create, and get + patch to count a repeated one in its series (fabric8 reads before it patches).
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "get", "patch"]
{{- if include "grpc-balancer.gatewayApi" . }}
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["gateways", "grpcroutes", "referencegrants"]
  verbs: ["list", "watch"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["gateways/status", "grpcroutes/status"]
  verbs: ["patch"]
{{- end }}
{{- end }}

{{/*
The label matchers that scope the alert rules to this release's metrics: the series the chart's
ServiceMonitor scrapes (job = the admin Service, namespace = the release namespace).
*/}}
{{- define "grpc-balancer.alertSelector" -}}
{{- printf "namespace=%q,job=\"%s-admin\"" .Release.Namespace (include "grpc-balancer.fullname" .) -}}
{{- end }}

{{/*
One alerting rule of the PrometheusRule, when values enable it: dict with root (the chart
context), name (a key of metrics.prometheusRule.alerts), expr, summary and description (Prometheus
templates, passed through untouched). runbook_url points to the alert's section in docs/helm.md.
*/}}
{{- define "grpc-balancer.alert" -}}
{{- $rule := .root.Values.metrics.prometheusRule }}
{{- $alert := index $rule.alerts .name }}
{{- if $alert.enabled -}}
- alert: {{ .name }}
  expr: |-
    {{- .expr | nindent 4 }}
  for: {{ $alert.for }}
  labels:
    {{- toYaml (merge (dict "severity" $alert.severity) $rule.alertLabels) | nindent 4 }}
  annotations:
    summary: {{ .summary | quote }}
    description: {{ .description | quote }}
    runbook_url: {{ printf "%s#%s" $rule.runbookUrl (lower .name) | quote }}
{{- end }}
{{- end }}
