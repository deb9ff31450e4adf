package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpcbalancer.controller.ClusterObjects;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.testing.AdminHttp;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.CliProcess;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.Kubeconfig;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard and the alert rules read only what the balancer exposes. A real {@code controller}
 * process (child JVM, kubeconfig to fabric8's CRUD mock API server) runs one balancer with a
 * call through it, with per-endpoint meters on (the dashboard's per-endpoint row reads them); its {@code /metrics} page must have every metric each dashboard query and each
 * rendered alert rule selects, every label they match or group by, and a series for every fixed
 * value they match. A renamed meter or label fails here, not on an operator's empty panel.
 */
@EnableKubernetesMockClient(crud = true)
class MonitoringMetricsTest {

    static final Path DASHBOARD = Helm.CHART.resolve("dashboards/grpc-balancer.json");
    /** Labels Prometheus adds from the scrape target (the chart's ServiceMonitor), not the page. */
    private static final Set<String> TARGET_LABELS = Set.of("namespace", "job", "pod", "instance", "service",
            "container", "endpoint");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*(\\w+)\\)\\s*");
    private static final Duration STARTUP = Duration.ofSeconds(60);

    static KubernetesClient client;

    @TempDir
    static Path directory;

    private static TestBackend backend;
    private static CliProcess cli;
    private static MetricsScrape scrape;

    @BeforeAll
    static void runABalancerWithACallThroughIt() throws Exception {
        backend = TestBackend.builder("pod-a", new InetSocketAddress("127.0.0.2", 0)).start();
        client.resource(ClusterObjects.service("shop", "greeter", 50051)).create();
        client.resource(ClusterObjects.slice("shop", "greeter-1", "greeter", backend.port(),
                ClusterObjects.ready("127.0.0.2"))).create();
        int port = FreePorts.freeLoopbackPort();
        client.resource(ClusterObjects.balancer("shop", "greeter", port, "greeter", 50051)).create();
        int adminPort = FreePorts.freeLoopbackPort();
        cli = CliProcess.start(directory, "controller",
                Map.of("KUBECONFIG", Kubeconfig.write(directory, client.getMasterUrl().toString()).toString()),
                "controller", "--namespace", "shop", "--controller-namespace", "grpc-balancer",
                "--no-leader-election", "--endpoint-metrics", "--bind-address", "127.0.0.1",
                "--admin-address", "127.0.0.1", "--admin-port", String.valueOf(adminPort));
        Await.until(STARTUP, () -> AdminHttp.readyz(adminPort) == 200 && programmed(), cli::describe);
        try (TestClient grpc = TestClient.connect(new InetSocketAddress("127.0.0.1", port))) {
            grpc.unary("hi".getBytes(StandardCharsets.UTF_8), RequestHeaders.none(), Duration.ofSeconds(5));
        }
        scrape = MetricsScrape.parse(AdminHttp.get(adminPort, "/metrics"));
        assertThat(scrape.matching("grpcbalancer_calls_finished_total", "grpc_code", "=", "OK")).isPresent();
    }

    @AfterAll
    static void stop() {
        if (cli != null) {
            cli.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Test
    void everyMetricAndLabelTheDashboardQueriesIsExposed() throws IOException {
        List<String> queries = dashboardQueries(new ObjectMapper().readTree(DASHBOARD.toFile()));

        assertThat(queries).hasSizeGreaterThan(20);
        assertThat(problems(queries, scrape)).isEmpty();
    }

    @Test
    void everyMetricAndLabelTheAlertRulesQueryIsExposed() {
        List<String> expressions = HelmMonitoringTest.alerts(Chart.render(Helm.require(), HelmMonitoringTest.VALUES,
                HelmMonitoringTest.MONITORING_APIS)).stream().map(rule -> rule.path("expr").asText()).toList();

        assertThat(expressions).hasSize(8);
        assertThat(problems(expressions, scrape)).isEmpty();
    }

    @Test
    void aMissingMetricLabelOrValueIsReported() {
        List<String> wrong = List.of(
                "sum(rate(grpcbalancer_calls_failed_total[5m]))",
                "sum by (balancer) (grpcbalancer_calls_active{grpc_status=\"OK\"})",
                "grpcbalancer_calls_finished_total{grpc_code=\"FINE\"}",
                "max by (endpoint_zone) (grpcbalancer_endpoints{state=\"ready\"})");

        assertThat(problems(wrong, scrape)).containsExactly(
                "grpcbalancer_calls_failed_total is not exposed (in sum(rate(grpcbalancer_calls_failed_total[5m])))",
                "grpcbalancer_calls_active has no label grpc_status (in sum by (balancer) (grpcbalancer_calls_active{grpc_status=\"OK\"}))",
                "no grpcbalancer_calls_finished_total series has grpc_code=\"FINE\" (in grpcbalancer_calls_finished_total{grpc_code=\"FINE\"})",
                "no metric of the expression has label endpoint_zone to group by (in max by (endpoint_zone) (grpcbalancer_endpoints{state=\"ready\"}))");
    }

    /** Every panel's query and every query variable of the dashboard (label_values: its selector, and the label). */
    static List<String> dashboardQueries(JsonNode dashboard) {
        List<String> queries = new ArrayList<>();
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        dashboard.path("panels").forEach(row -> row.path("panels").forEach(panels::add));
        for (JsonNode panel : panels) {
            panel.path("targets").forEach(target -> queries.add(target.path("expr").asText()));
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                queries.add(variable.path("query").path("query").asText());
            }
        }
        return queries;
    }

    /** What {@code queries} read that {@code scrape} does not have; empty when everything is there. */
    static List<String> problems(List<String> queries, MetricsScrape scrape) {
        List<String> problems = new ArrayList<>();
        for (String query : queries) {
            Matcher labelValues = LABEL_VALUES.matcher(query);
            String expression = labelValues.matches() ? labelValues.group(1) : query;
            PromQl.Reads reads = PromQl.read(expression);
            String where = " (in " + query + ")";
            if (reads.selectors().isEmpty()) {
                problems.add("no metric found" + where);
            }
            for (PromQl.Selector selector : reads.selectors()) {
                String metric = selector.metric();
                if (!scrape.has(metric)) {
                    problems.add(metric + " is not exposed" + where);
                    continue;
                }
                if (labelValues.matches() && !TARGET_LABELS.contains(labelValues.group(2))
                        && !scrape.hasLabel(metric, labelValues.group(2))) {
                    problems.add(metric + " has no label " + labelValues.group(2) + where);
                }
                for (PromQl.Matcher matcher : selector.matchers()) {
                    if (TARGET_LABELS.contains(matcher.label())) {
                        continue;
                    }
                    if (!scrape.hasLabel(metric, matcher.label())) {
                        problems.add(metric + " has no label " + matcher.label() + where);
                    } else if ((matcher.op().equals("=") || matcher.op().equals("=~")) && !matcher.hasVariable()
                            && scrape.matching(metric, matcher.label(), matcher.op(), matcher.value()).isEmpty()) {
                        problems.add("no " + metric + " series has " + matcher.label() + matcher.op() + "\""
                                + matcher.value() + "\"" + where);
                    }
                }
            }
            for (String label : reads.groupedBy()) {
                if (!TARGET_LABELS.contains(label)
                        && reads.selectors().stream().noneMatch(s -> scrape.hasLabel(s.metric(), label))) {
                    problems.add("no metric of the expression has label " + label + " to group by" + where);
                }
            }
        }
        return problems;
    }

    private static boolean programmed() {
        GrpcBalancer balancer = client.resources(GrpcBalancer.class).inNamespace("shop").withName("greeter").get();
        return balancer != null && balancer.getStatus() != null && balancer.getStatus().getConditions() != null
                && balancer.getStatus().getConditions().stream()
                        .anyMatch(c -> "Programmed".equals(c.getType()) && "True".equals(c.getStatus()));
    }
}
