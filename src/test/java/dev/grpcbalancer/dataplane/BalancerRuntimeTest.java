package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.dataplane.tls.TlsContexts;
import dev.grpcbalancer.dataplane.tls.TlsProvider;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.testing.tls.TestPki;
import dev.grpcbalancer.testing.tls.TlsConfigs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** TLS contexts are built when a balancer's TLS settings change, and only then. */
class BalancerRuntimeTest {

    private static final TestPki.Ca CA = TestPki.ca("runtime-test-ca");
    private static final TestPki.Issued CERTIFICATE = CA.server("greeter.example.com").issue();

    private final DataPlaneMeters meters = DataPlaneMeters.discarding();
    private final TlsContexts tls = new TlsContexts(TlsProvider.AUTO, meters.backendTlsHandshakes());

    @Test
    void equalTlsSettingsKeepTheContextsAndChangedOnesRebuildThem() {
        BalancerRuntime first = BalancerRuntime.of(config(1), null, meters.balancer("shop/greeter"), System::nanoTime, tls);

        // rebuilt from the source: equal by value, not the same objects
        BalancerRuntime resynced = next(config(2), first);
        BalancerRuntime rotated = next(config(2).withListenerTls(
                TlsConfigs.listener(CA.server("greeter.example.com").issue())), resynced);

        assertThat(first.serverTls()).isNotNull();
        assertThat(resynced.serverTls()).isSameAs(first.serverTls());
        assertThat(resynced.upstreamTls()).isSameAs(first.upstreamTls());
        assertThat(rotated.serverTls()).isNotSameAs(first.serverTls());
        assertThat(rotated.upstreamTls()).isSameAs(first.upstreamTls());
    }

    @Test
    void balancersWithEqualBackendTlsShareOneUpstreamTlsAndOthersDoNot() {
        BalancerRuntime one = BalancerRuntime.of(config(1), null, meters.balancer("shop/one"), System::nanoTime, tls);
        BalancerRuntime two = BalancerRuntime.of(config(1), null, meters.balancer("shop/two"), System::nanoTime, tls);
        BalancerRuntime other = BalancerRuntime.of(config(1).withBackendTls(TlsConfigs.backend(CA, "other.shop.svc", null)),
                null, meters.balancer("shop/other"), System::nanoTime, tls);
        BalancerRuntime plaintext = BalancerRuntime.of(config(1).withBackendTls(dev.grpcbalancer.snapshot.BackendTls.PLAINTEXT),
                null, meters.balancer("shop/plain"), System::nanoTime, tls);

        assertThat(two.upstreamTls()).isSameAs(one.upstreamTls());
        assertThat(other.upstreamTls()).isNotSameAs(one.upstreamTls());
        assertThat(plaintext.upstreamTls().enabled()).isFalse();
    }

    private BalancerRuntime next(BalancerConfig config, BalancerRuntime previous) {
        return BalancerRuntime.of(config, previous, previous.meters(), System::nanoTime, tls);
    }

    private static BalancerConfig config(long generation) {
        return new BalancerConfig(new BalancerId("shop", "greeter"), generation, 8443, LoadBalancingPolicy.RoundRobin,
                new BackendSet(List.of(Endpoint.ready("10.0.0.1", 50051))))
                .withListenerTls(TlsConfigs.listener(CERTIFICATE))
                .withBackendTls(TlsConfigs.backend(CA, "greeter.shop.svc", null));
    }
}
