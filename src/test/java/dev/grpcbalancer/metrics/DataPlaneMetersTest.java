package dev.grpcbalancer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DataPlaneMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DataPlaneMeters meters = new DataPlaneMeters(registry, false);

    @Test
    void callsAreCountedByTheGrpcCodeTheClientGotAndTimed() {
        BalancerMeters greeter = meters.balancer("shop/greeter");

        greeter.callStarted();
        greeter.callStarted();
        greeter.callStarted();
        assertThat(registry.get("grpcbalancer.calls.active").tag("balancer", "shop/greeter").gauge().value()).isEqualTo(3);
        greeter.callFinished(0, TimeUnit.MILLISECONDS.toNanos(3));
        greeter.callFinished(14, TimeUnit.MILLISECONDS.toNanos(40));
        greeter.callFinished(99, 1);

        assertThat(registry.get("grpcbalancer.calls.started").tag("balancer", "shop/greeter").counter().count()).isEqualTo(3);
        assertThat(count("OK")).isEqualTo(1);
        assertThat(count("UNAVAILABLE")).isEqualTo(1);
        assertThat(count("UNKNOWN")).as("a code outside 0..16").isEqualTo(1);
        assertThat(registry.get("grpcbalancer.calls.active").gauge().value()).isZero();
        assertThat(registry.get("grpcbalancer.call.duration").timer().count()).isEqualTo(3);
        assertThat(registry.get("grpcbalancer.call.duration").timer().max(TimeUnit.MILLISECONDS)).isEqualTo(40);
    }

    @Test
    void bytesAndRetriesAddUp() {
        BalancerMeters greeter = meters.balancer("shop/greeter");

        greeter.received(100);
        greeter.received(28);
        greeter.sent(1000);
        greeter.retried();

        assertThat(registry.get("grpcbalancer.received").counter().count()).isEqualTo(128);
        assertThat(registry.get("grpcbalancer.sent").counter().count()).isEqualTo(1000);
        assertThat(registry.get("grpcbalancer.call.retries").counter().count()).isEqualTo(1);
    }

    @Test
    void removedBalancerLeavesNoSeriesAndOthersKeepTheirs() {
        meters.balancer("shop/greeter").callStarted();
        meters.balancer("shop/refunds").callStarted();
        meters.balancer("shop/greeter").gauge("grpcbalancer.client.connections", "connections", 7, n -> n);

        meters.remove("shop/greeter");

        // data-plane-wide meters (TLS handshakes with backends) have no balancer label
        assertThat(registry.getMeters()).filteredOn(m -> m.getId().getTag("balancer") != null)
                .allSatisfy(m -> assertThat(m.getId().getTag("balancer")).isEqualTo("shop/refunds"));
        assertThat(registry.get("grpcbalancer.calls.started").tag("balancer", "shop/refunds").counter().count()).isEqualTo(1);
        assertThat(meters.balancer("shop/greeter")).as("a new balancer of the same name starts afresh").isNotNull();
        assertThat(registry.get("grpcbalancer.calls.started").tag("balancer", "shop/greeter").counter().count()).isZero();
    }

    private double count(String code) {
        return registry.get("grpcbalancer.calls.finished").tag("balancer", "shop/greeter").tag("grpc_code", code)
                .counter().count();
    }
}
