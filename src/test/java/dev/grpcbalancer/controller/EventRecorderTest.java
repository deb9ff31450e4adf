package dev.grpcbalancer.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class EventRecorderTest {

    KubernetesClient client;

    @Test
    void repeatedEventBecomesASeriesOfTheFirstOne() {
        EventRecorder events = new EventRecorder(client, "controller-0",
                Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC));
        GrpcBalancer greeter = ClusterObjects.balancer("shop", "greeter", 8080, "greeter", 50051);
        greeter.getMetadata().setUid("uid-1");

        events.record(greeter, "Warning", "BackendNotFound", "Service shop/greeter not found");
        events.record(greeter, "Warning", "BackendNotFound", "Service shop/greeter not found");
        events.record(greeter, "Warning", "BackendNotFound", "Service shop/greeter not found");
        events.record(greeter, "Normal", "Programmed", "listening on port 8080");

        List<Event> recorded = client.events().v1().events().inNamespace("shop").list().getItems();
        assertThat(recorded).hasSize(2);
        Event warning = recorded.stream().filter(e -> "Warning".equals(e.getType())).findFirst().orElseThrow();
        assertThat(warning.getReason()).isEqualTo("BackendNotFound");
        assertThat(warning.getNote()).isEqualTo("Service shop/greeter not found");
        assertThat(warning.getSeries().getCount()).isEqualTo(3);
        assertThat(warning.getRegarding().getKind()).isEqualTo("GrpcBalancer");
        assertThat(warning.getRegarding().getName()).isEqualTo("greeter");
        assertThat(warning.getRegarding().getUid()).isEqualTo("uid-1");
        assertThat(warning.getReportingController()).isEqualTo("grpcbalancer.dev/controller");
        assertThat(warning.getReportingInstance()).isEqualTo("controller-0");
    }
}
