package dev.grpcbalancer.testing.grpc;

import static dev.grpcbalancer.testing.grpc.TestService.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fixtures against each other, no proxy: each call kind and each steering header. */
class TestFixturesTest {

  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private TestBackend backend;
  private TestClient client;

  @BeforeEach
  void start() {
    backend = TestBackend.start("pod-a", "127.0.0.2");
    client = TestClient.connect(backend.address());
  }

  @AfterEach
  void stop() {
    client.close();
    backend.close();
  }

  @Test
  void backendListensOnTheRequestedLoopbackAddress() {
    assertThat(backend.address().getAddress().getHostAddress()).isEqualTo("127.0.0.2");
    assertThat(backend.port()).isPositive();
  }

  @Test
  void unaryEchoesTheRequestAndNamesTheBackendInHeadersAndTrailers() {
    CallResult result = client.unary(utf8("hello"), RequestHeaders.none(), DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(result.bodyUtf8()).isEqualTo("hello");
    assertThat(result.headers().get(TestService.BACKEND_ID)).isEqualTo("pod-a");
    assertThat(result.trailers().get(TestService.BACKEND_ID)).isEqualTo("pod-a");
    assertThat(backend.stats().callsStarted(TestService.UNARY)).isEqualTo(1);
    assertThat(backend.stats().requestBytes()).isEqualTo(5);
  }

  @Test
  void serverStreamSendsTheRequestedNumberOfPatternedMessages() {
    CallResult result = client.serverStream(5, 1000, RequestHeaders.none(), DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(result.messageCount()).isEqualTo(5);
    assertThat(result.byteCount()).isEqualTo(5000);
    assertThat(result.streamMismatches()).isZero();
    assertThat(result.messages().get(3)).isEqualTo(TestService.streamMessage(3, 1000));
  }

  @Test
  void clientStreamAnswersWithTheTotalsItRead() {
    CallResult result = client.clientStream(
        List.of(new byte[1], new byte[10], new byte[100]), RequestHeaders.none(), DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(TestService.Totals.parse(result.body())).isEqualTo(new TestService.Totals(3, 111));
    assertThat(backend.stats().requestMessages()).isEqualTo(3);
  }

  @Test
  void bidiEchoesEachMessageBeforeTheClientHalfCloses() {
    TestCall call = client.start(TestService.BIDI_STREAM, RequestHeaders.none(), DEADLINE,
        ReadPace.eager());
    call.send(utf8("one"));
    call.awaitMessages(1, WAIT);
    call.send(utf8("two"));
    call.awaitMessages(2, WAIT);
    call.halfClose();

    CallResult result = call.await(WAIT);
    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(result.messages()).extracting(TestService::utf8).containsExactly("one", "two");
  }

  @Test
  void bidiHelperSendsAllAndCollectsAllEchoes() {
    CallResult result = client.bidi(List.of(utf8("a"), utf8("b"), utf8("c")),
        RequestHeaders.none(), DEADLINE);

    assertThat(result.messages()).extracting(TestService::utf8).containsExactly("a", "b", "c");
  }

  @Test
  void echoMetadataCopiesCustomHeadersIncludingBinaryIntoHeadersAndTrailers() {
    byte[] token = {0, 1, (byte) 0x80, (byte) 0xff};
    Metadata headers = RequestHeaders.create()
        .echoMetadata()
        .custom("x-custom-tenant", "blue")
        .custom("x-custom-multi", "first")
        .custom("x-custom-multi", "second")
        .customBinary("x-custom-token-bin", token)
        .custom("x-other", "not echoed")
        .build();

    CallResult result = client.unary(utf8("m"), headers, DEADLINE);

    for (Metadata echoed : List.of(result.headers(), result.trailers())) {
      assertThat(echoed.get(TestService.ascii("x-custom-tenant"))).isEqualTo("blue");
      assertThat(echoed.getAll(TestService.ascii("x-custom-multi")))
          .containsExactly("first", "second");
      assertThat(echoed.get(TestService.binary("x-custom-token-bin"))).isEqualTo(token);
      assertThat(echoed.containsKey(TestService.ascii("x-other"))).isFalse();
    }
  }

  @Test
  void respondStatusEndsTheCallAfterHeadersWithAUnicodeAndPercentMessage() {
    String message = "nicht gefunden: 100% ✓ 日本語 %41 \t end";
    Metadata headers = RequestHeaders.create()
        .respondStatus(Status.Code.NOT_FOUND)
        .respondMessage(message)
        .build();

    CallResult result = client.unary(utf8("x"), headers, DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(result.description()).isEqualTo(message);
    assertThat(result.trailersOnly()).isFalse();
    assertThat(result.messages()).isEmpty();
    assertThat(result.trailers().get(TestService.BACKEND_ID)).isEqualTo("pod-a");
  }

  @Test
  void trailersOnlyFailsWithoutHeadersOrMessages() {
    Metadata headers = RequestHeaders.create()
        .trailersOnly()
        .respondStatus(Status.Code.PERMISSION_DENIED)
        .respondMessage("denied")
        .build();

    CallResult result = client.unary(utf8("x"), headers, DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(result.description()).isEqualTo("denied");
    assertThat(result.trailersOnly()).isTrue();
    assertThat(result.messages()).isEmpty();
    assertThat(result.backendId()).isEqualTo("pod-a");
  }

  @Test
  void trailersOnlyWithoutAStatusUsesFailedPrecondition() {
    CallResult result = client.serverStream(3, 10,
        RequestHeaders.create().trailersOnly().build(), DEADLINE);

    assertThat(result.code()).isEqualTo(TestService.DEFAULT_TRAILERS_ONLY_CODE);
    assertThat(result.trailersOnly()).isTrue();
  }

  @Test
  void badSteeringHeaderFailsTheCallWithInvalidArgument() {
    Metadata headers = RequestHeaders.create()
        .put(TestService.RESPOND_STATUS, "NO_SUCH_CODE")
        .build();

    CallResult result = client.unary(utf8("x"), headers, DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(result.description()).contains("NO_SUCH_CODE");
  }

  @Test
  void backendReportsTheDeadlineAndGrpcTimeoutItObserved() {
    CallResult result = client.unary(utf8("x"), RequestHeaders.none(), Duration.ofSeconds(30));

    assertThat(result.observedDeadlineMs()).isPresent();
    assertThat(result.observedDeadlineMs().getAsLong()).isBetween(20_000L, 30_000L);
    assertThat(result.headers().get(TestService.OBSERVED_GRPC_TIMEOUT)).isNotBlank();
    assertThat(backend.stats().lastCall().deadlineMs()).isEqualTo(result.observedDeadlineMs());
  }

  @Test
  void callWithoutDeadlineReportsNone() {
    CallResult result = client.unary(utf8("x"), RequestHeaders.none(), null);

    assertThat(result.observedDeadlineMs()).isEmpty();
    assertThat(result.headers().containsKey(TestService.OBSERVED_GRPC_TIMEOUT)).isFalse();
  }

  @Test
  void delayHoldsTheAnswerBack() {
    long start = System.nanoTime();
    CallResult result = client.unary(utf8("x"),
        RequestHeaders.create().delay(Duration.ofMillis(150)).build(), DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(
        Duration.ofMillis(150));
  }

  @Test
  void sixteenMebibyteMessagesEchoWhole() {
    byte[] payload = TestService.streamMessage(7, 16 * 1024 * 1024);

    CallResult result = client.unary(payload, RequestHeaders.none(), DEADLINE);

    assertThat(result.code()).isEqualTo(Status.Code.OK);
    assertThat(result.body()).isEqualTo(payload);
  }

  @Test
  void requestHeadersAndAuthorityReachTheBackend() {
    client.unary(utf8("x"), RequestHeaders.create().custom("x-custom-trace", "t1").build(),
        DEADLINE);

    BackendStats.ObservedCall call = backend.stats().lastCall();
    assertThat(call.method()).isEqualTo("test.Echo/Unary");
    assertThat(call.headers().get(TestService.ascii("x-custom-trace"))).isEqualTo("t1");
    assertThat(call.authority()).isEqualTo("127.0.0.2:" + backend.port());
  }

  @Test
  void oneClientUsesOneConnectionForAllItsCalls() {
    for (int i = 0; i < 5; i++) {
      client.unary(utf8("x"), RequestHeaders.none(), DEADLINE);
    }
    List<TestCall> calls = List.of(
        client.startUnary(utf8("a"), RequestHeaders.none(), DEADLINE),
        client.startUnary(utf8("b"), RequestHeaders.none(), DEADLINE));
    calls.forEach(call -> assertThat(call.await(WAIT).isOk()).isTrue());

    backend.stats().awaitCallsCompleted(7, WAIT);
    assertThat(backend.stats().connectionsOpened()).isEqualTo(1);
  }
}
