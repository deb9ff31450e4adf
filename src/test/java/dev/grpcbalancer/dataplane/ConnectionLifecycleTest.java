package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.ProxyFixture.endpoint;
import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.Keepalive;
import dev.grpcbalancer.snapshot.ListenerLifecycle;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.ProxyFixture;
import dev.grpcbalancer.testing.RawHttp2Backend;
import dev.grpcbalancer.testing.RawHttp2Client;
import dev.grpcbalancer.testing.RawHttp2Client.Frame;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.netty.handler.codec.http2.Http2Error;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * How long connections live: client connections get GOAWAY at their maximum age and when idle,
 * clients that PING too often get GOAWAY ENHANCE_YOUR_CALM, and backend connections that stop
 * answering are found by keepalive PINGs and replaced.
 */
class ConnectionLifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration SECOND = Duration.ofSeconds(1);

    private TestBackend backend;
    private ProxyFixture proxy;

    @BeforeEach
    void start() {
        backend = TestBackend.start("a", "127.0.0.2");
        proxy = ProxyFixture.start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        backend.close();
    }

    @Test
    void aClientConnectionPastItsMaxAgeGetsGoAwayItsCallsFinishAndTheClientReconnectsWithoutAFailedCall() {
        proxy.route(config -> config.withListener(new ListenerLifecycle(SECOND, Duration.ofSeconds(10), Duration.ZERO)),
                LoadBalancingPolicy.RoundRobin, List.of(endpoint(backend.address())));
        try (TestClient client = TestClient.builder(proxy.address()).disableRetry().build()) {
            AtomicInteger reconnects = countReconnects(client.channel());
            TestCall longCall = client.startUnary(utf8("long"),
                    RequestHeaders.create().delay(Duration.ofMillis(2500)).build(), WAIT);
            List<CallResult> failed = new ArrayList<>();
            int calls = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (reconnects.get() < 3 && System.nanoTime() < deadline) {
                CallResult result = client.unary(utf8("call " + calls), RequestHeaders.none(), WAIT);
                calls++;
                if (!result.isOk()) {
                    failed.add(result);
                }
            }

            assertThat(reconnects).as("reconnects after GOAWAY, %d calls", calls).hasValueGreaterThanOrEqualTo(3);
            assertThat(failed).isEmpty();
            CallResult longResult = longCall.await(WAIT);
            assertThat(longResult.code()).as("the call in flight across the GOAWAY").isEqualTo(Status.Code.OK);
        }
    }

    @Test
    void maxAgeSendsAGoAwayForEveryStreamThenOneWithTheLastStreamOnceThePingIsAnswered() throws Exception {
        proxy.route(config -> config.withListener(new ListenerLifecycle(SECOND, Duration.ofSeconds(5), Duration.ZERO)),
                LoadBalancingPolicy.RoundRobin, List.of(endpoint(backend.address())));
        try (RawHttp2Client client = new RawHttp2Client(proxy.address(), WAIT)) {
            client.flush();
            Frame first = untilType(client, RawHttp2Client.GOAWAY);
            assertThat(lastStreamId(first)).isEqualTo(Integer.MAX_VALUE);
            assertThat(first.errorCode()).isEqualTo((int) Http2Error.NO_ERROR.code());
            assertThat(debugData(first)).isEqualTo("max_age");

            Frame ping = untilType(client, RawHttp2Client.PING);
            client.writeFrame(RawHttp2Client.PING, RawHttp2Client.FLAG_ACK, 0, ping.payload());
            client.flush();

            Frame second = untilType(client, RawHttp2Client.GOAWAY);
            assertThat(lastStreamId(second)).isZero();
            assertThat(client.read()).as("the connection closes: it has no stream").isNull();
        }
    }

    @Test
    void anIdleClientConnectionIsClosedWithGoAway() throws Exception {
        proxy.route(config -> config.withListener(new ListenerLifecycle(Duration.ZERO, Duration.ZERO, SECOND)),
                LoadBalancingPolicy.RoundRobin, List.of(endpoint(backend.address())));
        try (RawHttp2Client client = new RawHttp2Client(proxy.address(), WAIT)) {
            client.flush();
            Frame goAway = untilType(client, RawHttp2Client.GOAWAY);

            assertThat(goAway.errorCode()).isEqualTo((int) Http2Error.NO_ERROR.code());
            assertThat(client.read()).isNull();
        }
        Await.until(WAIT, () -> proxy.clientConnections() == 0, () -> "the idle connection closed");
    }

    @Test
    void clientPingsAreAnsweredAndTheThirdTooEarlyOneGetsGoAwayEnhanceYourCalm() throws Exception {
        proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(backend.address()));
        try (RawHttp2Client client = new RawHttp2Client(proxy.address(), WAIT)) {
            for (int i = 1; i <= 2; i++) {
                ping(client, i);
                Frame ack = untilType(client, RawHttp2Client.PING);
                assertThat(ack.flags() & RawHttp2Client.FLAG_ACK).isEqualTo(RawHttp2Client.FLAG_ACK);
                assertThat(ack.payload()[7]).isEqualTo((byte) i);
            }
            ping(client, 3);
            List<Frame> frames = client.readUntil(f -> f.type() == RawHttp2Client.GOAWAY);
            Frame goAway = frames.get(frames.size() - 1);

            assertThat(goAway.type()).as(frames.toString()).isEqualTo(RawHttp2Client.GOAWAY);
            assertThat(goAway.errorCode()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
            assertThat(debugData(goAway)).isEqualTo("too_many_pings");
            assertThat(client.readUntil(f -> false)).as("then the connection closes").allMatch(f ->
                    f.type() == RawHttp2Client.PING);
        }
    }

    @Test
    void aPingAfterTheBalancerAnsweredACallIsNoStrike() throws Exception {
        proxy.route(LoadBalancingPolicy.RoundRobin, endpoint(backend.address()));
        try (RawHttp2Client client = new RawHttp2Client(proxy.address(), WAIT)) {
            ping(client, 1);
            ping(client, 2); // two strikes
            client.headers(1, RawHttp2Client.grpcRequest("/test.Echo/Unary"), false);
            client.data(1, new byte[] {0, 0, 0, 0, 2, 'h', 'i'}, true);
            client.flush();
            client.readUntil(f -> f.type() == RawHttp2Client.HEADERS && (f.flags() & RawHttp2Client.FLAG_END_STREAM) != 0);

            ping(client, 3);
            ping(client, 4);
            List<Frame> frames = client.readUntil(f -> f.type() == RawHttp2Client.PING && f.payload()[7] == 4);

            assertThat(frames).as("acknowledged, no GOAWAY").noneMatch(f -> f.type() == RawHttp2Client.GOAWAY)
                    .anyMatch(f -> f.type() == RawHttp2Client.PING && f.payload()[7] == 4);
        }
    }

    @Test
    void aBackendThatFallsSilentMidStreamEndsTheCallUnavailableAndANewCallSucceedsElsewhere() {
        try (RawHttp2Backend silent = RawHttp2Backend.start("127.0.0.3", RawHttp2Backend.Mode.GO_SILENT)) {
            OutlierDetection ejectAtOnce = new OutlierDetection(true, 1, OutlierDetection.DEFAULT_ERROR_CODES,
                    Duration.ofSeconds(10), Duration.ofSeconds(30), 50);
            proxy.route(config -> config.withKeepalive(new Keepalive(SECOND, SECOND)).withOutlierDetection(ejectAtOnce),
                    LoadBalancingPolicy.RoundRobin, List.of(endpoint(silent.address())));
            try (TestClient client = TestClient.builder(proxy.address()).disableRetry().build()) {
                long started = System.nanoTime();
                CallResult stuck = client.unary(utf8("hello"), RequestHeaders.none(), Duration.ofSeconds(30));
                Duration took = Duration.ofNanos(System.nanoTime() - started);

                assertThat(stuck.code()).as(stuck.toString()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(took).as("interval + timeout + slack").isLessThan(Duration.ofSeconds(6));
                assertThat(silent.pings()).as("the PING never got through").isZero();

                proxy.route(config -> config.withKeepalive(new Keepalive(SECOND, SECOND)).withOutlierDetection(ejectAtOnce),
                        LoadBalancingPolicy.RoundRobin, List.of(endpoint(silent.address()), endpoint(backend.address())));
                assertThat(proxy.dataPlane().isAvailable(ProxyFixture.BALANCER, endpoint(silent.address()).address()))
                        .as("a dead connection counts against the endpoint").isFalse();
                for (int i = 0; i < 4; i++) {
                    CallResult next = client.unary(utf8("next " + i), RequestHeaders.none(), WAIT);
                    assertThat(next.code()).as(next.toString()).isEqualTo(Status.Code.OK);
                    assertThat(next.backendId()).isEqualTo("a");
                }
            }
        }
    }

    @Test
    void aCallThatWaitsOnALiveBackendIsKeptAliveByAnsweredPings() {
        try (RawHttp2Backend slow = RawHttp2Backend.start("127.0.0.3", RawHttp2Backend.Mode.NEVER_ANSWER)) {
            proxy.route(config -> config.withKeepalive(new Keepalive(SECOND, SECOND)),
                    LoadBalancingPolicy.RoundRobin, List.of(endpoint(slow.address())));
            try (TestClient client = TestClient.connect(proxy.address())) {
                TestCall waiting = client.startUnary(utf8("wait"), RequestHeaders.none(), WAIT);

                Await.until(WAIT, () -> slow.pings() >= 3, () -> "three keepalive PINGs, got " + slow.pings());

                assertThat(waiting.result()).as("still waiting for its answer").isNotDone();
                assertThat(slow.connectionsAccepted()).isEqualTo(1);
                waiting.cancel("done");
            }
        }
    }

    private static void ping(RawHttp2Client client, int n) throws IOException {
        client.writeFrame(RawHttp2Client.PING, 0, 0, new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) n});
        client.flush();
    }

    private static Frame untilType(RawHttp2Client client, int type) throws IOException {
        List<Frame> frames = client.readUntil(f -> f.type() == type);
        assertThat(frames).as("a frame of type %d", type).isNotEmpty();
        Frame last = frames.get(frames.size() - 1);
        assertThat(last.type()).as(frames.toString()).isEqualTo(type);
        return last;
    }

    private static int lastStreamId(Frame goAway) {
        byte[] p = goAway.payload();
        return ((p[0] & 0x7F) << 24) | ((p[1] & 0xFF) << 16) | ((p[2] & 0xFF) << 8) | (p[3] & 0xFF);
    }

    private static String debugData(Frame goAway) {
        return new String(Arrays.copyOfRange(goAway.payload(), 8, goAway.payload().length), StandardCharsets.US_ASCII);
    }

    /** Counts the times the channel leaves READY (a GOAWAY makes grpc-java drop the connection and reconnect). */
    private static AtomicInteger countReconnects(ManagedChannel channel) {
        AtomicInteger count = new AtomicInteger();
        Runnable[] watch = new Runnable[1];
        watch[0] = () -> {
            ConnectivityState state = channel.getState(false);
            channel.notifyWhenStateChanged(state, () -> {
                if (state == ConnectivityState.READY) {
                    count.incrementAndGet();
                }
                watch[0].run();
            });
        };
        watch[0].run();
        return count;
    }
}
