package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Applying a snapshot costs the balancers that changed, not the count of balancers: a snapshot built
 * on the running one is applied by looking at its changed and removed balancers only; any other
 * (built on a snapshot the data plane never ran, or on none) is compared in full and still ends in
 * the same state. Work is counted in balancers looked at, not timed.
 */
class SnapshotChangesTest {

    private static final String HOST = "127.0.0.7";
    private static final int BALANCERS = 1000;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final DataPlane dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST).withIoThreads(1)
            .withDrainTimeout(Duration.ofSeconds(1)));
    private final List<BalancerConfig> configs = new ArrayList<>();
    private RoutingSnapshot running;

    @BeforeEach
    void runThousandBalancers() {
        List<Integer> ports = freePorts(BALANCERS);
        for (int i = 0; i < BALANCERS; i++) {
            configs.add(new BalancerConfig(new BalancerId("shop", "b" + i), 1, ports.get(i), LoadBalancingPolicy.RoundRobin,
                    new BackendSet(List.of(Endpoint.ready("10.0.0.1", 50051)))));
        }
        running = new RoutingSnapshot(configs);
        dataPlane.publish(running);
        Await.until(WAIT, dataPlane::isReady, dataPlane::notReadyReason);
    }

    @AfterEach
    void stop() {
        dataPlane.close();
    }

    @Test
    void oneChangedBalancerAmongAThousandIsTheOnlyOneLookedAt() {
        configs.set(417, withEndpoint(configs.get(417), "10.0.0.2"));
        long before = dataPlane.balancersVisitedApplying();

        dataPlane.publish(new RoutingSnapshot(running, configs));

        assertThat(dataPlane.balancersVisitedApplying() - before).as("its binding, once per pass").isEqualTo(2);
        assertThat(endpointsOf(417)).containsExactly("10.0.0.1:50051", "10.0.0.2:50051");
        assertThat(endpointsOf(416)).containsExactly("10.0.0.1:50051");
    }

    @Test
    void aRemovedBalancerStopsListeningAndNoOtherIsLookedAt() {
        BalancerConfig removed = configs.remove(5);
        long before = dataPlane.balancersVisitedApplying();

        dataPlane.publish(new RoutingSnapshot(running, configs));

        assertThat(dataPlane.balancersVisitedApplying() - before).isEqualTo(1);
        assertThat(dataPlane.listenerStates()).doesNotContainKey(removed.id()).hasSize(BALANCERS - 1);
        Await.until(WAIT, () -> !FreePorts.accepting(HOST, removed.listenerPort()), () -> "port closed");
    }

    @Test
    void aSnapshotOnASkippedOneIsComparedInFullAndConverges() {
        configs.set(3, withEndpoint(configs.get(3), "10.0.0.3"));
        RoutingSnapshot skipped = new RoutingSnapshot(running, configs); // never published
        configs.set(900, withEndpoint(configs.get(900), "10.0.0.9"));
        long before = dataPlane.balancersVisitedApplying();

        dataPlane.publish(new RoutingSnapshot(skipped, configs));

        assertThat(dataPlane.balancersVisitedApplying() - before).as("every binding and every config")
                .isEqualTo(2L * BALANCERS);
        assertThat(endpointsOf(3)).containsExactly("10.0.0.1:50051", "10.0.0.3:50051");
        assertThat(endpointsOf(900)).containsExactly("10.0.0.1:50051", "10.0.0.9:50051");
    }

    private static BalancerConfig withEndpoint(BalancerConfig config, String host) {
        List<Endpoint> endpoints = new ArrayList<>(config.backends().endpoints());
        endpoints.add(Endpoint.ready(host, 50051));
        return config.withBackends(new BackendSet(endpoints));
    }

    private List<String> endpointsOf(int index) {
        BalancerId id = configs.get(index).id();
        return dataPlane.describe().stream().filter(view -> view.id().equals(id)).findFirst().orElseThrow()
                .routes().get(0).backends().get(0).endpoints().stream().map(BalancerView.EndpointView::address).toList();
    }

    /** {@code count} distinct ports free on {@link #HOST}: all held open at once, then released. */
    private static List<Integer> freePorts(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            InetAddress address = InetAddress.getByName(HOST);
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                held.add(socket);
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(address, 0));
            }
            return held.stream().map(ServerSocket::getLocalPort).toList();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing a listening socket we opened; nothing to do
                }
            }
        }
    }
}
