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
        CallMeters greeter = meters.balancer("shop/greeter").route("default");

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
        CallMeters greeter = meters.balancer("shop/greeter").route("default");

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
        meters.balancer("shop/greeter").route("default").callStarted();
        meters.balancer("shop/refunds").route("default").callStarted();
        meters.balancer("shop/greeter").gauge("grpcbalancer.client.connections", "connections", 7, n -> n);

        meters.remove("shop/greeter");

        // data-plane-wide meters (TLS handshakes with backends) have no balancer label
        assertThat(registry.getMeters()).filteredOn(m -> m.getId().getTag("balancer") != null)
                .allSatisfy(m -> assertThat(m.getId().getTag("balancer")).isEqualTo("shop/refunds"));
        assertThat(registry.get("grpcbalancer.calls.started").tag("balancer", "shop/refunds").counter().count()).isEqualTo(1);
        assertThat(meters.balancer("shop/greeter").route("default")).as("a new balancer of the same name starts afresh")
                .isNotNull();
        assertThat(registry.get("grpcbalancer.calls.started").tag("balancer", "shop/greeter").counter().count()).isZero();
    }

    @Test
    void everyRouteHasItsOwnSeriesAndARemovedRouteLeavesNone() {
        BalancerMeters shop = meters.balancer("shop/front");
        shop.route("cart").callStarted();
        shop.route("checkout").callStarted();
        shop.route("checkout").callStarted();
        shop.route(BalancerMeters.UNMATCHED).callStarted();

        assertThat(started("cart")).isEqualTo(1);
        assertThat(started("checkout")).isEqualTo(2);
        assertThat(started("none")).isEqualTo(1);

        shop.retain(java.util.Set.of("cart"), java.util.Map.of());

        assertThat(registry.find("grpcbalancer.calls.started").tag("route", "checkout").counters()).isEmpty();
        assertThat(started("cart")).isEqualTo(1);
        assertThat(started("none")).as("calls no rule takes are always counted").isEqualTo(1);
    }

    @Test
    void methodMetersLabelOnlyTheMethodsExactMatchesName() {
        DataPlaneMeters perMethod = new DataPlaneMeters(registry, false, true);
        BalancerMeters shop = perMethod.balancer("shop/front");
        shop.route("checkout", "shop.Checkout", "Pay").callStarted();
        shop.route("checkout").callStarted();

        assertThat(registry.get("grpcbalancer.calls.started").tag("route", "checkout")
                .tag("grpc_service", "shop.Checkout").tag("grpc_method", "Pay").counter().count()).isEqualTo(1);
        assertThat(registry.get("grpcbalancer.calls.started").tag("route", "checkout")
                .tag("grpc_service", "").tag("grpc_method", "").counter().count()).isEqualTo(1);
        assertThat(meters.balancer("shop/other").route("r", "shop.Checkout", "Pay"))
                .as("without method meters a method shares its route's meters")
                .isSameAs(meters.balancer("shop/other").route("r"));
    }

    private double started(String route) {
        return registry.get("grpcbalancer.calls.started").tag("balancer", "shop/front").tag("route", route)
                .counter().count();
    }

    private double count(String code) {
        return registry.get("grpcbalancer.calls.finished").tag("balancer", "shop/greeter").tag("grpc_code", code)
                .counter().count();
    }
}
