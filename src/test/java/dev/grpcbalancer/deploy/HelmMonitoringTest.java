package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.grpcbalancer.testing.Tools;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's monitoring: the Grafana dashboard ConfigMap and the PrometheusRule, rendered as the
 * values ask; the rules checked by {@code promtool check rules} and their alerts by the unit tests
 * in {@code src/test/resources/monitoring/alerts-test.yaml} ({@code promtool test rules}).
 */
class HelmMonitoringTest extends HelmChartTest {

    /** The values file that turns every monitoring object on. */
    static final String VALUES = "monitoring-values.yaml";
    /** What a cluster with the Prometheus Operator reports (Helm lists group/version and group/version/Kind). */
    static final String[] MONITORING_APIS = {Chart.SERVICE_MONITOR_API, "monitoring.coreos.com/v1/ServiceMonitor",
        "monitoring.coreos.com/v1/PrometheusRule"};
    private static final Path ALERT_TESTS = Helm.REPO.resolve("src/test/resources/monitoring/alerts-test.yaml");
    private static final Path DOCS = Helm.REPO.resolve("docs/helm.md");
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path directory;

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void dashboardConfigMapCarriesTheDashboardWhenEnabled(String valuesFile) throws IOException {
        JsonNode values = Chart.values(valuesFile).path("metrics").path("grafanaDashboard");
        List<ConfigMap> dashboards = Chart.render(helm, valuesFile).all(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getName().equals(Chart.RELEASE + "-grpc-balancer-dashboard")).toList();

        assertThat(dashboards).hasSize(values.path("enabled").asBoolean() ? 1 : 0);
        for (ConfigMap dashboard : dashboards) {
            assertThat(dashboard.getMetadata().getNamespace())
                    .isEqualTo(values.path("namespace").asText("").isEmpty() ? Chart.NAMESPACE : values.path("namespace").asText());
            values.path("labels").properties().forEach(label ->
                    assertThat(dashboard.getMetadata().getLabels()).containsEntry(label.getKey(), label.getValue().asText()));
            values.path("annotations").properties().forEach(annotation ->
                    assertThat(dashboard.getMetadata().getAnnotations())
                            .containsEntry(annotation.getKey(), annotation.getValue().asText()));
            ObjectMapper json = new ObjectMapper();
            assertThat(json.readTree(dashboard.getData().get("grpc-balancer.json")))
                    .isEqualTo(json.readTree(MonitoringMetricsTest.DASHBOARD.toFile()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void prometheusRuleOnlyWhenEnabledAndTheClusterServesIt(String valuesFile) {
        JsonNode values = Chart.values(valuesFile).path("metrics").path("prometheusRule");
        boolean enabled = values.path("enabled").asBoolean();

        assertThat(Chart.render(helm, valuesFile).ofKind("PrometheusRule")).isEmpty();
        assertThat(Chart.render(helm, valuesFile, Chart.SERVICE_MONITOR_API).ofKind("PrometheusRule"))
                .as("the cluster serves monitoring.coreos.com/v1 but not PrometheusRule").isEmpty();
        List<HasMetadata> rules = Chart.render(helm, valuesFile, MONITORING_APIS).ofKind("PrometheusRule");
        assertThat(rules).hasSize(enabled ? 1 : 0);
        for (HasMetadata rule : rules) {
            values.path("labels").properties().forEach(label ->
                    assertThat(rule.getMetadata().getLabels()).containsEntry(label.getKey(), label.getValue().asText()));
        }
    }

    @Test
    void everyAlertHasItsForSeverityAnnotationsAndARunbookSectionInTheDocs() throws IOException {
        JsonNode values = Chart.values(VALUES).path("metrics").path("prometheusRule");
        List<JsonNode> alerts = alerts(Chart.render(helm, VALUES, MONITORING_APIS));
        String docs = Files.readString(DOCS);

        assertThat(alerts).extracting(a -> a.path("alert").asText())
                .containsExactlyInAnyOrderElementsOf(() -> values.path("alerts").fieldNames());
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            JsonNode configured = values.path("alerts").path(name);
            assertThat(alert.path("for").asText()).as(name).isEqualTo(configured.path("for").asText());
            assertThat(alert.path("labels").path("severity").asText()).as(name).isEqualTo(configured.path("severity").asText());
            assertThat(alert.path("annotations").path("summary").asText()).as(name).contains("{{ $labels.");
            assertThat(alert.path("annotations").path("description").asText()).as(name).isNotBlank();
            assertThat(alert.path("annotations").path("runbook_url").asText()).as(name)
                    .isEqualTo(values.path("runbookUrl").asText() + "#" + name.toLowerCase(Locale.ROOT));
            assertThat(docs).as("docs/helm.md has a section for " + name).containsPattern("(?m)^#+ " + name + "$");
        }
    }

    @Test
    void alertsAreTurnedOffOneByOneAndGetTheConfiguredLabels() {
        Chart.Rendered rendered = render("--set", "metrics.prometheusRule.alerts.GrpcBalancerNotAccepted.enabled=false",
                "--set", "metrics.prometheusRule.alertLabels.team=platform");
        Chart.Rendered noController = render(
                "--set", "metrics.prometheusRule.alerts.GrpcBalancerNotProgrammed.enabled=false",
                "--set", "metrics.prometheusRule.alerts.GrpcBalancerNotAccepted.enabled=false",
                "--set", "metrics.prometheusRule.alerts.GrpcBalancerControllerNoLeader.enabled=false",
                "--set", "metrics.prometheusRule.alerts.GrpcBalancerReconcileFailing.enabled=false",
                "--set", "metrics.prometheusRule.alerts.GrpcBalancerApiWritesFailing.enabled=false",
                "--set", "metrics.prometheusRule.alerts.GrpcBalancerApiServerUnreachable.enabled=false");

        assertThat(alerts(rendered)).hasSize(7).noneMatch(a -> a.path("alert").asText().equals("GrpcBalancerNotAccepted"))
                .allMatch(a -> a.path("labels").path("team").asText().equals("platform"));
        assertThat(Chart.tree(noController.ofKind("PrometheusRule").get(0)).path("spec").path("groups"))
                .extracting(g -> g.path("name").asText()).containsExactly("grpc-balancer.data-plane");
    }

    @Test
    void promtoolAcceptsTheRenderedRules() throws IOException {
        Path promtool = Tools.require("promtool");
        Path rules = writeRules(Chart.render(helm, VALUES, MONITORING_APIS));

        Helm.Result check = Helm.exec(List.of(promtool.toString(), "check", "rules", rules.toString()), Map.of());

        assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
        assertThat(check.stdout()).contains("SUCCESS: 8 rules found");
    }

    @Test
    void promtoolRejectsARuleThatIsNotPromQl() throws IOException {
        Path promtool = Tools.require("promtool");
        Path broken = Files.writeString(directory.resolve("broken.yaml"), """
                groups:
                  - name: broken
                    rules:
                      - alert: Broken
                        expr: sum by (balancer (grpcbalancer_calls_active)
                """);

        Helm.Result check = Helm.exec(List.of(promtool.toString(), "check", "rules", broken.toString()), Map.of());

        assertThat(check.exitCode()).isNotZero();
        assertThat(check.stdout() + check.stderr()).contains("Broken");
    }

    @Test
    void alertsFireAndResolveAsTheUnitTestsExpect() throws IOException {
        Path promtool = Tools.require("promtool");
        writeRules(Chart.render(helm, VALUES, MONITORING_APIS));
        Path tests = Files.copy(ALERT_TESTS, directory.resolve("alerts-test.yaml"));

        Helm.Result run = Helm.exec(List.of(promtool.toString(), "test", "rules", tests.toString()), Map.of());

        assertThat(run.exitCode()).as(run.stdout() + run.stderr()).isZero();
        assertThat(run.stdout()).contains("SUCCESS");
    }

    private Chart.Rendered render(String... sets) {
        List<String> args = new ArrayList<>(List.of("template", Chart.RELEASE, Helm.CHART.toString(),
                "--namespace", Chart.NAMESPACE));
        args.addAll(Chart.valuesArgs(VALUES));
        for (String api : MONITORING_APIS) {
            args.add("--api-versions");
            args.add(api);
        }
        args.addAll(List.of(sets));
        return Chart.Rendered.parse(helm.run(args.toArray(String[]::new)).orFail());
    }

    /** Every rule of the rendered PrometheusRule(s). */
    static List<JsonNode> alerts(Chart.Rendered rendered) {
        List<JsonNode> alerts = new ArrayList<>();
        for (HasMetadata rule : rendered.ofKind("PrometheusRule")) {
            Chart.tree(rule).path("spec").path("groups").forEach(group -> group.path("rules").forEach(alerts::add));
        }
        return alerts;
    }

    /** The PrometheusRule's groups as a Prometheus rule file, {@code rules.yaml} (the name the unit tests load). */
    private Path writeRules(Chart.Rendered rendered) throws IOException {
        List<HasMetadata> rules = rendered.ofKind("PrometheusRule");
        assertThat(rules).hasSize(1);
        Path file = directory.resolve("rules.yaml");
        YAML.writeValue(file.toFile(), Chart.tree(rules.get(0)).path("spec"));
        return file;
    }
}
