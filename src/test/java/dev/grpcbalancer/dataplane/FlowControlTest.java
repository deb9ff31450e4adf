package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.PeakSampler;
import dev.grpcbalancer.testing.ProxyMemory;
import dev.grpcbalancer.testing.RawHttp2Backend;
import dev.grpcbalancer.testing.grpc.CallResult;
import dev.grpcbalancer.testing.grpc.MeteredServerStream;
import dev.grpcbalancer.testing.grpc.ReadPace;
import dev.grpcbalancer.testing.grpc.RequestHeaders;
import dev.grpcbalancer.testing.grpc.TestBackend;
import dev.grpcbalancer.testing.grpc.TestCall;
import dev.grpcbalancer.testing.grpc.TestClient;
import dev.grpcbalancer.testing.grpc.TestService;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Backpressure through the proxy, end to end with real gRPC peers: a slow reader on one side
 * slows the writer on the other, the proxy holds about one stream window per direction (never a
 * whole stream), and one stalled call does not stall the others of its connection.
 *
 * <p>Client and backend use fixed 1 MiB HTTP/2 windows (no BDP auto-tuning), like the proxy, so
 * the bounds follow from windows: the sender may be ahead of the receiver by three windows
 * (receiver, proxy inbound, proxy upstream) plus the peers' small send buffers; the assertion
 * allows one window of slack on top.
 */
class FlowControlTest {

    private static final String HOST = "127.0.0.1";
    private static final int MIB = 1024 * 1024;
    private static final int WINDOW = MIB;
    private static final long MAX_LEAD_BYTES = 4L * WINDOW;
    /**
     * The proxy's pooled memory may grow by less than this while a call streams: its connection
     * window, far below the 256 MiB streamed (the pool grows in 4 MiB chunks).
     */
    private static final long MAX_PROXY_MEMORY_GROWTH = 16L * MIB;
    private static final int MESSAGE_SIZE = 64 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Duration SAMPLE_PERIOD = Duration.ofMillis(2);

    private final List<TestClient> clients = new ArrayList<>();
    private TestBackend backend;
    private DataPlane dataPlane;
    private InetSocketAddress proxy;

    @BeforeEach
    void start() {
        ProxyMemory.assertProxyUsesThePooledAllocator();
        backend = TestBackend.builder("pod-a", new InetSocketAddress("127.0.0.2", 0)).flowControlWindow(WINDOW).start();
        dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST).withIoThreads(2)
                .withDrainTimeout(Duration.ofSeconds(1)));
        int port = FreePorts.freeLoopbackPort();
        dataPlane.publish(new RoutingSnapshot(List.of(new BalancerConfig(new BalancerId("default", "flow"), 1, port,
                LoadBalancingPolicy.RoundRobin, new BackendSet(List.of(Endpoint.ready("127.0.0.2", backend.port())))))));
        Await.until(Duration.ofSeconds(10), dataPlane::isReady, () -> "listener bound on port " + port);
        proxy = new InetSocketAddress(HOST, port);
    }

    @AfterEach
    void stop() {
        clients.forEach(TestClient::close);
        dataPlane.close();
        backend.close();
    }

    /**
     * A backend that sends its whole response, trailers included, while the request is still open:
     * the proxy ends the call and asks the client to stop sending (RST_STREAM NO_ERROR), but only
     * after the response's last frame is written. Most of the response still waits for the slow
     * client's window when the call ends, and a reset sent at once would discard it.
     */
    @Test
    void responseThatEndsBeforeItsRequestReachesASlowReaderWhole() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int port = FreePorts.freeLoopbackPort();
        BalancerId id = new BalancerId("default", "early");
        try (RawHttp2Backend early = RawHttp2Backend.start("127.0.0.3", RawHttp2Backend.Mode.ANSWER_AT_ONCE);
                DataPlane metered = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST)
                        .withDrainTimeout(Duration.ofSeconds(1)), new DataPlaneMeters(registry, false));
                TestClient slow = TestClient.builder(new InetSocketAddress(HOST, port)).flowControlWindow(65_535).build()) {
            metered.publish(new RoutingSnapshot(List.of(new BalancerConfig(id, 1, port, LoadBalancingPolicy.RoundRobin,
                    new BackendSet(List.of(Endpoint.ready("127.0.0.3", early.address().getPort())))))));
            Await.until(Duration.ofSeconds(10), metered::isReady, () -> "listener bound on port " + port);

            TestCall call = slow.start(TestService.BIDI_STREAM, RequestHeaders.none(), WAIT,
                    ReadPace.pauseAfterBytes(RawHttp2Backend.ANSWER_MESSAGE_BYTES));
            call.send(TestService.utf8("a request that is never half-closed"));
            call.awaitPaused(WAIT);
            // the proxy has the backend's trailers: the call is over on its side, the response is not out
            Await.until(WAIT, () -> {
                Counter ok = registry.find("grpcbalancer.calls.finished").tag("grpc_code", "OK").counter();
                return ok != null && ok.count() == 1;
            }, registry::getMetersAsString);
            call.resume();
            CallResult result = call.await(WAIT);

            assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
            assertThat(call.bytesReceived()).as("response bytes the client got")
                    .isEqualTo((long) RawHttp2Backend.ANSWER_MESSAGES * RawHttp2Backend.ANSWER_MESSAGE_BYTES);
        }
    }

    private TestClient client() {
        TestClient client = TestClient.builder(proxy).flowControlWindow(WINDOW).build();
        clients.add(client);
        return client;
    }

    @Test
    void slowReaderOf256MiBHoldsTheBackendBackAndTheProxyMemoryBounded() {
        int count = 4096;
        long total = (long) count * MESSAGE_SIZE;
        long step = 16L * MIB;
        long memoryBefore = ProxyMemory.usedBytes();
        MeteredServerStream stream = MeteredServerStream.start(client().channel(), count, MESSAGE_SIZE,
                RequestHeaders.none(), step);
        long started = System.nanoTime();
        int stops = 0;
        long maxLeadWhenStopped = 0;
        Status status;
        try (PeakSampler sampler = PeakSampler.every(SAMPLE_PERIOD)) {
            sampler.track("memory", ProxyMemory::usedBytes).track("lead", () -> lead(stream));
            while (stream.awaitAllowanceUsed(WAIT)) {
                // The reader has stopped: the backend must come to a halt a few windows ahead of it.
                backend.stats().await("the backend's writer held back by flow control", s -> s.stalledWriters() == 1, WAIT);
                long lead = lead(stream);
                assertThat(lead).as("bytes the backend is ahead of the stopped reader").isLessThanOrEqualTo(MAX_LEAD_BYTES);
                maxLeadWhenStopped = Math.max(maxLeadWhenStopped, lead);
                stops++;
                stream.allow(step);
            }
            status = stream.await(WAIT);
            long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("256 MiB download: %d ms (%.1f MiB/s), %d stops, lead when stopped max %d KiB,"
                    + " lead peak %d KiB, proxy memory before %d KiB, peak %d KiB (%d samples)%n",
                    elapsedMillis, total / (double) MIB / (elapsedMillis / 1000.0), stops, maxLeadWhenStopped / 1024,
                    sampler.peak("lead") / 1024, memoryBefore / 1024, sampler.peak("memory") / 1024, sampler.rounds());
            assertThat(sampler.peak("lead")).as("peak bytes the backend was ahead of the reader").isLessThanOrEqualTo(MAX_LEAD_BYTES);
            assertThat(sampler.peak("memory") - memoryBefore).as("proxy memory growth").isLessThan(MAX_PROXY_MEMORY_GROWTH);
        }
        assertThat(status.getCode()).as(status.toString()).isEqualTo(Status.Code.OK);
        assertThat(stream.messagesReceived()).isEqualTo(count);
        assertThat(stream.bytesReceived()).isEqualTo(total);
        assertThat(stream.mismatches()).as("messages with wrong content or order").isZero();
        assertThat(stops).isEqualTo((int) (total / step) - 1);
        assertThat(backend.stats().responseBytes()).isEqualTo(total);
    }

    /** How far the backend's writes are ahead of what the reader got; reads the reader first. */
    private long lead(MeteredServerStream stream) {
        long received = stream.bytesReceived();
        return backend.stats().responseBytes() - received;
    }

    @Test
    void slowBackendReaderThrottlesAFastUploaderAndTheProxyMemoryStaysBounded() {
        int count = 192;
        byte[] message = TestService.streamMessage(7, MESSAGE_SIZE);
        long memoryBefore = ProxyMemory.usedBytes();
        TestCall upload = client().start(TestService.CLIENT_STREAM,
                RequestHeaders.create().readDelay(Duration.ofMillis(4)).build(), Duration.ofSeconds(60), ReadPace.eager());
        AtomicLong sent = new AtomicLong();
        int notReady = 0;
        long maxLeadWhenBlocked = 0;
        CallResult result;
        try (PeakSampler sampler = PeakSampler.every(SAMPLE_PERIOD)) {
            sampler.track("memory", ProxyMemory::usedBytes)
                    .track("lead", () -> sent.get() - backend.stats().requestBytes());
            for (int i = 0; i < count; i++) {
                if (!upload.isReady()) {
                    notReady++;
                    maxLeadWhenBlocked = Math.max(maxLeadWhenBlocked, sent.get() - backend.stats().requestBytes());
                }
                upload.sendWhenReady(message, WAIT);
                sent.addAndGet(MESSAGE_SIZE);
            }
            upload.halfClose();
            result = upload.await(WAIT);
            System.out.printf("%d KiB upload: client not ready %d times, lead when blocked max %d KiB, lead peak %d KiB,"
                    + " proxy memory before %d KiB, peak %d KiB%n", sent.get() / 1024, notReady, maxLeadWhenBlocked / 1024,
                    sampler.peak("lead") / 1024, memoryBefore / 1024, sampler.peak("memory") / 1024);
            assertThat(sampler.peak("lead")).as("peak bytes the client was ahead of the backend").isLessThanOrEqualTo(MAX_LEAD_BYTES);
            assertThat(sampler.peak("memory") - memoryBefore).as("proxy memory growth").isLessThan(MAX_PROXY_MEMORY_GROWTH);
        }
        assertThat(notReady).as("times flow control made the client wait").isPositive();
        assertThat(result.code()).as(result.toString()).isEqualTo(Status.Code.OK);
        assertThat(TestService.Totals.parse(result.body())).isEqualTo(new TestService.Totals(count, (long) count * MESSAGE_SIZE));
    }

    @Test
    void stalledCallDoesNotHoldUpAnotherCallOnTheSameConnections() {
        TestClient client = client();
        int stalledCount = 256;
        TestCall stalled = client.startServerStream(stalledCount, MESSAGE_SIZE, RequestHeaders.none(), null,
                ReadPace.pauseAfterBytes(MESSAGE_SIZE).discardMessages());
        stalled.awaitPaused(WAIT);
        backend.stats().await("the stalled call's writer held back", s -> s.stalledWriters() == 1, WAIT);
        long stalledBytes = stalled.bytesReceived();

        // 32 MiB: more than every connection window on the way (client 1 MiB, proxy 16 MiB).
        CallResult other = client.serverStream(512, MESSAGE_SIZE, RequestHeaders.none(), WAIT);

        assertThat(other.code()).as(other.toString()).isEqualTo(Status.Code.OK);
        assertThat(other.byteCount()).isEqualTo(512L * MESSAGE_SIZE);
        assertThat(other.streamMismatches()).isZero();
        assertThat(stalled.isPaused()).isTrue();
        assertThat(stalled.bytesReceived()).isEqualTo(stalledBytes);
        assertThat(backend.stats().stalledWriters()).as("the stalled call is still held back").isEqualTo(1);
        assertThat(backend.stats().connectionsOpened()).as("both calls shared one upstream connection").isEqualTo(1);

        stalled.resume();
        CallResult resumed = stalled.await(WAIT);
        assertThat(resumed.code()).as(resumed.toString()).isEqualTo(Status.Code.OK);
        assertThat(resumed.byteCount()).isEqualTo((long) stalledCount * MESSAGE_SIZE);
        assertThat(resumed.streamMismatches()).isZero();
    }

    /**
     * Stalled downloads on one upstream connection, more than its window (16 MiB) has room for at
     * one stream window (1 MiB) each. Their client reads with a small window (64 KiB), so each
     * leaves most of a stream window unread in the proxy. Every stalled call must still get its
     * first message, and other calls on that upstream connection (same event loop, same backend)
     * must still flow: flow control is per stream.
     */
    @Test
    void stalledReadersDoNotStallOtherCallsOnTheSharedUpstreamConnection() {
        TestClient slow = TestClient.builder(proxy).flowControlWindow(64 * 1024).build();
        clients.add(slow);
        int stalledCount = 24;
        List<TestCall> stalled = new ArrayList<>();
        for (int i = 0; i < stalledCount; i++) {
            stalled.add(slow.startServerStream(64, MESSAGE_SIZE, RequestHeaders.none(), null,
                    ReadPace.pauseAfterBytes(1).discardMessages()));
        }
        Await.until(Duration.ofSeconds(10), () -> stalled.stream().allMatch(TestCall::isPaused),
                () -> stalled.stream().filter(TestCall::isPaused).count() + " of " + stalledCount
                        + " stalled calls got their first message; " + backend.stats());
        LongSupplier unread = () -> backend.stats().responseBytes() - stalled.stream().mapToLong(TestCall::bytesReceived).sum();
        awaitQuiet("the stalled calls' data", unread);
        long held = unread.getAsLong();

        // The slow client's own calls share its event loop, so its upstream connection, for sure;
        // client connections take event loops in turn, so one of two new clients shares it too.
        for (TestClient other : List.of(slow, client(), client())) {
            CallResult result = other.unary(TestService.utf8("other"), RequestHeaders.none(), Duration.ofSeconds(5));
            assertThat(result.code()).as("a call while %d calls are stalled with %d KiB unread between the backend and"
                    + " their reader: %s (%s)", stalledCount, held / 1024, result, result.description())
                    .isEqualTo(Status.Code.OK);
        }
        stalled.forEach(call -> call.cancel("test over"));
    }

    /** Waits until {@code progress} has not changed for a while: all that could flow has flowed. */
    private static void awaitQuiet(String what, LongSupplier progress) {
        long quietNanos = Duration.ofMillis(300).toNanos();
        long[] last = {progress.getAsLong(), System.nanoTime()};
        Await.until(WAIT, () -> {
            long now = progress.getAsLong();
            if (now != last[0]) {
                last[0] = now;
                last[1] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - last[1] >= quietNanos;
        }, () -> what + " to settle (still moving at " + last[0] + ")");
    }
}
