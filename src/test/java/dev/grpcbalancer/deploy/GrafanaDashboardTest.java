package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code charts/grpc-balancer/dashboards/grpc-balancer.json} imports into Grafana 10 and later in
 * any installation: a current schema, its own uid, no dashboard id, and every query on the
 * {@code datasource} variable (a Prometheus data source the user picks), never a hard-coded uid.
 */
class GrafanaDashboardTest {

    /** Grafana 10.0 writes schemaVersion 38; older versions would migrate and may lose panel options. */
    private static final int GRAFANA_10_SCHEMA = 38;
    private static JsonNode dashboard;
    private static List<JsonNode> panels;

    @BeforeAll
    static void read() throws IOException {
        dashboard = new ObjectMapper().readTree(MonitoringMetricsTest.DASHBOARD.toFile());
        panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        dashboard.path("panels").forEach(row -> row.path("panels").forEach(panels::add));
    }

    @Test
    void dashboardHasAGrafana10SchemaItsOwnUidAndNoId() {
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(GRAFANA_10_SCHEMA);
        assertThat(dashboard.path("uid").asText()).isEqualTo("grpc-balancer");
        assertThat(dashboard.path("id").isNull()).as("an id belongs to one Grafana database").isTrue();
        assertThat(dashboard.path("title").asText()).isNotBlank();
    }

    @Test
    void everyQueryRunsOnThePrometheusDatasourceVariable() {
        List<JsonNode> variables = new ArrayList<>();
        dashboard.path("templating").path("list").forEach(variables::add);
        assertThat(variables).filteredOn(v -> v.path("type").asText().equals("datasource")).singleElement()
                .satisfies(v -> {
                    assertThat(v.path("name").asText()).isEqualTo("datasource");
                    assertThat(v.path("query").asText()).isEqualTo("prometheus");
                });
        List<JsonNode> datasources = new ArrayList<>();
        variables.stream().filter(v -> v.path("type").asText().equals("query")).forEach(v -> datasources.add(v.path("datasource")));
        panels.stream().filter(p -> !p.path("type").asText().equals("row")).forEach(panel -> {
            datasources.add(panel.path("datasource"));
            assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
            panel.path("targets").forEach(target -> datasources.add(target.path("datasource")));
        });

        assertThat(datasources).isNotEmpty().allSatisfy(datasource -> {
            assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
            assertThat(datasource.path("uid").asText()).isEqualTo("${datasource}");
        });
    }

    @Test
    void panelsHaveUniqueIdsAndFitTheGrid() {
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels) {
            assertThat(ids.add(panel.path("id").asInt())).as("panel id " + panel.path("id")).isTrue();
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("w").asInt()).as(panel.path("title").asText()).isBetween(1, 24);
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as(panel.path("title").asText()).isLessThanOrEqualTo(24);
            assertThat(grid.path("h").asInt()).isPositive();
        }
    }

    @Test
    void dashboardShowsWhatOperatorsAskOfALoadBalancer() {
        assertThat(panels).extracting(p -> p.path("title").asText()).contains(
                "Calls/s by balancer and grpc_code", "Error ratio by balancer", "Latency p50 / p99 by balancer",
                "Calls in flight by balancer", "Calls/s by route", "Retries/s by balancer", "Hedges/s by balancer", "Endpoints ready / total",
                "Endpoints ejected (highest over pods)", "Client connections by balancer",
                "Reconcile duration p50 / p99", "Leader", "Error ratio by endpoint", "Attempt latency p99 by endpoint");
        assertThat(dashboard.path("templating").path("list")).extracting(v -> v.path("name").asText())
                .contains("datasource", "namespace", "balancer", "route", "error_codes");
    }
}
