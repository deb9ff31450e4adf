package dev.grpcbalancer.testing.grpc;

import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Flow control, cancellation and the backend's failure modes, client straight to backend. */
class TestBackendControlTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T use(T resource) {
    resources.add(resource);
    return resource;
  }

  private TestBackend backend(String host) {
    return use(TestBackend.start("pod-" + host, host));
  }

  private TestClient client(TestBackend backend) {
    return use(TestClient.connect(backend.address()));
  }

  @Test
  void slowServerStreamReaderHoldsTheBackendBackThroughFlowControl() {
    TestBackend backend = backend("127.0.0.2");
    TestClient client = use(TestClient.builder(backend.address()).flowControlWindow(64 * KIB).build());
    int count = 64;
    int size = 256 * KIB;

    TestCall call = client.startServerStream(count, size, RequestHeaders.none(), DEADLINE,
        ReadPace.pauseAfterBytes(MIB).discardMessages());
    call.awaitPaused(WAIT);
    backend.stats().awaitStalledWriters(1, WAIT);

    long sent = backend.stats().responseBytes();
    assertThat(sent).isLessThan((long) count * size);
    assertThat(sent - call.bytesReceived())
        .as("bytes written by the backend but not yet read by the client")
        .isLessThanOrEqualTo(64 * KIB + 4L * size);

    call.resume();
    CallResult result = call.await(WAIT);
    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(result.byteCount()).isEqualTo((long) count * size);
    assertThat(result.streamMismatches()).isZero();
    assertThat(result.messages()).isEmpty();
  }

  @Test
  void pacedReaderAsksForTheNextMessageOnlyAfterTheDelay() {
    TestClient client = client(backend("127.0.0.2"));
    long start = System.nanoTime();

    CallResult result = client.startServerStream(5, 10, RequestHeaders.none(), DEADLINE,
        ReadPace.every(Duration.ofMillis(40))).await(WAIT);

    assertThat(result.messageCount()).isEqualTo(5);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(4 * 40));
  }

  @Test
  void bidiStopsReadingWhenTheClientStopsReadingItsEchoes() {
    TestBackend backend = backend("127.0.0.2");
    TestClient client = use(TestClient.builder(backend.address()).flowControlWindow(64 * KIB).build());
    int count = 64;
    int size = 64 * KIB;

    TestCall call = client.start(TestService.BIDI_STREAM, RequestHeaders.none(), DEADLINE,
        ReadPace.pauseAfterBytes(2L * size).discardMessages());
    for (int i = 0; i < count; i++) {
      call.send(new byte[size]);
    }
    call.awaitPaused(WAIT);
    backend.stats().awaitStalledWriters(1, WAIT);

    assertThat(backend.stats().requestBytes()).isLessThan((long) count * size / 2);

    call.resume();
    call.halfClose();
    CallResult result = call.await(WAIT);
    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(result.byteCount()).isEqualTo((long) count * size);
  }

  @Test
  void slowClientStreamConsumerReadsOneMessagePerDelay() {
    TestClient client = client(backend("127.0.0.2"));
    long start = System.nanoTime();

    CallResult result = client.clientStream(List.of(new byte[5], new byte[5], new byte[5], new byte[5]),
        RequestHeaders.create().readDelay(Duration.ofMillis(30)).build(), DEADLINE);

    assertThat(TestService.Totals.parse(result.body())).isEqualTo(new TestService.Totals(4, 20));
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(3 * 30));
  }

  @Test
  void clientCancelIsObservedByTheBackend() {
    TestBackend backend = backend("127.0.0.2");
    TestClient client = client(backend);
    TestCall call = client.startUnary(utf8("x"),
        RequestHeaders.create().delay(Duration.ofMinutes(1)).build(), DEADLINE);
    backend.stats().awaitInFlight(1, WAIT);

    call.cancel("test cancels");

    assertThat(call.await(WAIT).code()).isIn(Status.Code.CANCELLED, Status.Code.UNAVAILABLE);
    backend.stats().awaitCallsCancelled(1, WAIT);
    assertThat(backend.stats().inFlight()).isZero();
  }

  @Test
  void hangingBackendHoldsTheCallUntilItsDeadline() {
    TestBackend backend = backend("127.0.0.2");
    TestClient client = client(backend);
    client.unary(utf8("connect first"), RequestHeaders.none(), DEADLINE);
    backend.setBehavior(Behavior.HANG);

    CallResult result = client.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(1));

    assertThat(result.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(result.trailersOnly()).isTrue();
    backend.stats().awaitCallsCancelled(1, WAIT);
    assertThat(backend.stats().lastCall().deadlineMs()).isPresent();
  }

  @Test
  void failingBackendAnswersEveryCallWithTrailersOnlyUnavailable() {
    TestBackend backend = backend("127.0.0.2");
    TestClient client = client(backend);
    backend.setBehavior(Behavior.FAIL_UNAVAILABLE);

    CallResult result = client.serverStream(3, 3, RequestHeaders.none(), DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(result.trailersOnly()).isTrue();
    assertThat(result.backendId()).isEqualTo("pod-127.0.0.2");

    backend.setBehavior(Behavior.NORMAL);
    assertThat(client.unary(utf8("x"), RequestHeaders.none(), DEADLINE).isOk()).isTrue();
  }

  @Test
  void killResetsInFlightCallsAndClosesThePort() {
    TestBackend backend = backend("127.0.0.2");
    TestClient client = client(backend);
    TestCall call = client.startUnary(utf8("x"),
        RequestHeaders.create().delay(Duration.ofMinutes(1)).build(), DEADLINE);
    backend.stats().awaitInFlight(1, WAIT);

    backend.kill();

    assertThat(call.await(WAIT).code()).isIn(Status.Code.CANCELLED, Status.Code.UNAVAILABLE);
    backend.stats().awaitCallsCancelled(1, WAIT);
    assertThat(backend.isTerminated()).isTrue();
    assertThat(client.unary(utf8("x"), RequestHeaders.none(), DEADLINE).code())
        .isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aSuccessorCanTakeOverTheAddressOfAKilledBackend() {
    TestBackend first = backend("127.0.0.2");
    TestClient client = client(first);
    client.unary(utf8("x"), RequestHeaders.none(), DEADLINE);
    first.kill();

    TestBackend second = use(TestBackend.builder("successor", first.address()).start());

    CallResult result = client(second).unary(utf8("x"), RequestHeaders.none(), DEADLINE);
    assertThat(second.port()).isEqualTo(first.port());
    assertThat(result.backendId()).isEqualTo("successor");
  }

  @Test
  void maxConnectionAgeSendsGoawayButLetsTheCallFinishWithinTheGrace() {
    TestBackend backend = use(TestBackend.builder("aging", new InetSocketAddress("127.0.0.2", 0))
        .maxConnectionAge(Duration.ofSeconds(1), Duration.ofSeconds(20))
        .start());
    TestClient client = client(backend);

    CallResult longCall = client.unary(utf8("x"),
        RequestHeaders.create().delay(Duration.ofMillis(1500)).build(), DEADLINE);
    CallResult nextCall = client.unary(utf8("y"), RequestHeaders.none(), DEADLINE);

    assertThat(longCall.code()).isEqualTo(Status.Code.OK);
    assertThat(nextCall.code()).isEqualTo(Status.Code.OK);
    assertThat(backend.stats().connectionsOpened()).isEqualTo(2);
  }

  @Test
  void drainLetsInFlightCallsFinish() {
    TestBackend backend = backend("127.0.0.2");
    TestClient client = client(backend);
    TestCall call = client.startUnary(utf8("x"),
        RequestHeaders.create().delay(Duration.ofMillis(300)).build(), DEADLINE);
    backend.stats().awaitInFlight(1, WAIT);

    backend.startDrain();

    CallResult result = call.await(WAIT);
    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(result.bodyUtf8()).isEqualTo("x");
    assertThat(backend.awaitTerminated(WAIT)).isTrue();
    backend.stats().awaitCallsCompleted(1, WAIT);
    assertThat(backend.stats().callsCancelled()).isZero();
  }

  @Test
  void maxConcurrentCallsPerConnectionHoldsExtraStreamsUntilOneEnds() {
    TestBackend backend = use(TestBackend.builder("limited", new InetSocketAddress("127.0.0.3", 0))
        .maxConcurrentCallsPerConnection(2)
        .start());
    TestClient client = client(backend);

    List<TestCall> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(client.startUnary(utf8("x"),
          RequestHeaders.create().delay(Duration.ofMillis(100)).build(), DEADLINE));
    }

    calls.forEach(call -> assertThat(call.await(WAIT).code()).isEqualTo(Status.Code.OK));
    assertThat(backend.stats().callsStarted()).isEqualTo(5);
    assertThat(backend.stats().maxInFlight()).isEqualTo(2);
    assertThat(backend.stats().connectionsOpened()).isEqualTo(1);
  }

  @Test
  void backendsOnDistinctLoopbackAddressesAnswerWithTheirOwnIdentity() {
    TestBackend a = backend("127.0.0.2");
    TestBackend b = backend("127.0.0.3");
    TestBackend c = backend("127.0.0.4");

    for (TestBackend backend : List.of(a, b, c)) {
      CallResult result = client(backend).unary(utf8("x"), RequestHeaders.none(), DEADLINE);
      assertThat(result.backendId()).isEqualTo(backend.id());
      assertThat(backend.stats().lastCall().remoteAddress()).isNotNull();
    }
  }
}
