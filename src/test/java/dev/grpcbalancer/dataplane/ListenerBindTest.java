package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A listener whose port is taken: the failure is reported where operators and the controller look
 * (readiness reason, listener state, the change observer) and the bind is retried until it works.
 */
class ListenerBindTest {

    private static final String HOST = "127.0.0.1";
    /** The retry comes after {@link ListenerSet#BIND_RETRY}; this leaves room on a busy machine. */
    private static final Duration WAIT = ListenerSet.BIND_RETRY.plusSeconds(15);
    private static final BalancerId ID = new BalancerId("default", "taken");

    private final DataPlane dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST).withIoThreads(1)
            .withDrainTimeout(Duration.ofSeconds(1)));

    @AfterEach
    void stop() {
        dataPlane.close();
    }

    @Test
    void portTakenByAnotherSocketIsReportedAndBoundOnceItIsFree() throws IOException {
        AtomicInteger changes = new AtomicInteger();
        dataPlane.onListenerChange(changes::incrementAndGet);
        int port;
        try (ServerSocket squatter = new ServerSocket()) {
            squatter.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            port = squatter.getLocalPort();
            dataPlane.publish(new RoutingSnapshot(List.of(
                    new BalancerConfig(ID, 1, port, LoadBalancingPolicy.RoundRobin, BackendSet.EMPTY))));

            Await.until(WAIT, () -> dataPlane.listenerStates().get(ID).error() != null, () -> "the bind failure");
            ListenerState failed = dataPlane.listenerStates().get(ID);
            assertThat(failed.bound()).isFalse();
            assertThat(failed.error()).startsWith("cannot listen on " + HOST + ":" + port + ": ");
            assertThat(dataPlane.isReady()).isFalse();
            assertThat(dataPlane.notReadyReason()).startsWith(ID + ": cannot listen on " + HOST + ":" + port);
            Await.until(WAIT, () -> changes.get() > 0, () -> "observer told of the failure");
        }
        int changesBefore = changes.get();

        Await.until(WAIT, dataPlane::isReady, dataPlane::notReadyReason);

        assertThat(dataPlane.listenerStates().get(ID)).isEqualTo(new ListenerState(port, true, null));
        assertThat(dataPlane.notReadyReason()).isEmpty();
        Await.until(WAIT, () -> changes.get() > changesBefore, () -> "observer told of the bind");
    }

    @Test
    void newEndpointsOfARunningBalancerLeaveItsListenerAsItWas() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            port = probe.getLocalPort();
        }
        BalancerConfig config = new BalancerConfig(ID, 1, port, LoadBalancingPolicy.RoundRobin, BackendSet.EMPTY);
        dataPlane.publish(new RoutingSnapshot(List.of(config)));
        Await.until(WAIT, dataPlane::isReady, dataPlane::notReadyReason);
        Map<BalancerId, ListenerState> states = dataPlane.listenerStates();

        dataPlane.publish(new RoutingSnapshot(List.of(config.withBackends(
                new BackendSet(List.of(Endpoint.ready("10.0.0.1", 50051)))))));

        assertThat(dataPlane.describe().get(0).routes().get(0).backends().get(0).endpoints())
                .extracting(BalancerView.EndpointView::address).containsExactly("10.0.0.1:50051");
        assertThat(dataPlane.listenerStates()).as("no listener came, went or bound: the same states").isSameAs(states);
    }
}
