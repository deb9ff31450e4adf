package dev.grpcbalancer.dataplane.call;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.RetryPolicy;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The decision function on its own: every outcome against the retry and the hedging policy. */
class DecisionsTest {

    private static final long NO_DEADLINE = Long.MAX_VALUE;
    /** 2 retries, of UNAVAILABLE, 10 ms base and 100 ms maximum backoff. */
    private static final RetryPolicy RETRY = new RetryPolicy(2, Set.of(GrpcCode.UNAVAILABLE), Duration.ZERO,
            Duration.ofMillis(10), Duration.ofMillis(100), 20, 10, 1024);
    private static final HedgingPolicy HEDGING = new HedgingPolicy(3, Duration.ofMillis(20),
            Set.of(GrpcCode.UNAVAILABLE));
    private static final HedgingPolicy OFF = HedgingPolicy.DISABLED;

    private static final AttemptOutcome NOT_SENT = AttemptOutcome.notSent("connect failed");
    private static final AttemptOutcome REFUSED = AttemptOutcome.refusedStream("refused");
    private static final AttemptOutcome GOAWAY = AttemptOutcome.refusedByGoAway("goaway");
    private static final AttemptOutcome UNAVAILABLE = AttemptOutcome.trailersOnly(GrpcCode.UNAVAILABLE, "answered");
    private static final AttemptOutcome DENIED = AttemptOutcome.trailersOnly(GrpcCode.PERMISSION_DENIED, "answered");
    private static final AttemptOutcome CANCEL_RESET = AttemptOutcome.reset(Http2Error.CANCEL, false, "reset");
    private static final AttemptOutcome INTERNAL_RESET = AttemptOutcome.reset(Http2Error.INTERNAL_ERROR, false, "reset");
    private static final AttemptOutcome CLOSED = AttemptOutcome.connectionClosed("closed");
    private static final AttemptOutcome PER_TRY = AttemptOutcome.perTryTimeout("per try");

    private static Decisions.Situation situation(int started, int live, boolean canReplay, boolean budget, long left) {
        return new Decisions.Situation(started, live, canReplay, budget, left);
    }

    private static Decision retrying(AttemptOutcome outcome, Decisions.Situation call) {
        return Decisions.afterAttempt(RETRY, OFF, outcome, call, 0.5);
    }

    private static Decision hedging(AttemptOutcome outcome, Decisions.Situation call) {
        return Decisions.afterAttempt(RETRY, HEDGING, outcome, call, 0.5);
    }

    @Test
    void requestThatNeverReachedABackendIsRetriedAtOnceWhateverTheBudgetAndCodes() {
        for (AttemptOutcome outcome : new AttemptOutcome[] {NOT_SENT, REFUSED, GOAWAY}) {
            assertThat(retrying(outcome, situation(1, 0, true, false, 1))).isEqualTo(Decision.RETRY_NOW);
            assertThat(outcome.reachedBackend()).isFalse();
        }
        assertThat(retrying(NOT_SENT, situation(3, 0, true, true, NO_DEADLINE)))
                .as("but not beyond numRetries").isEqualTo(Decision.fail(GrpcCode.UNAVAILABLE, "connect failed"));
        assertThat(retrying(NOT_SENT, situation(1, 0, false, true, NO_DEADLINE)))
                .as("nor once the request is no longer held").isEqualTo(Decision.fail(GrpcCode.UNAVAILABLE, "connect failed"));
    }

    @Test
    void optedInCodeIsRetriedAfterAJitteredBackoffThatDoublesEachTime() {
        assertThat(retrying(UNAVAILABLE, situation(1, 0, true, true, NO_DEADLINE)))
                .isEqualTo(Decision.retryAfter(TimeUnit.MILLISECONDS.toNanos(5)));
        assertThat(retrying(CANCEL_RESET, situation(2, 0, true, true, NO_DEADLINE)))
                .as("the second retry's window is 20 ms").isEqualTo(Decision.retryAfter(TimeUnit.MILLISECONDS.toNanos(10)));
        assertThat(Decisions.backoffNanos(RETRY, 10, 0.99)).as("capped by the maximum")
                .isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
        assertThat(Decisions.backoffNanos(RETRY, 1, 0)).isZero();
    }

    @Test
    void codeNotOptedInIsNotRetried() {
        assertThat(retrying(DENIED, situation(1, 0, true, true, NO_DEADLINE)))
                .as("a trailers-only answer goes to the client as it is").isEqualTo(Decision.COMMIT);
        assertThat(retrying(INTERNAL_RESET, situation(1, 0, true, true, NO_DEADLINE)))
                .isEqualTo(Decision.fail(GrpcCode.INTERNAL, "reset"));
        assertThat(retrying(CLOSED, situation(1, 0, true, true, NO_DEADLINE)).kind())
                .as("a lost connection is UNAVAILABLE, opted in here").isEqualTo(Decision.Kind.RETRY_AFTER);
    }

    @Test
    void perTryTimeoutIsAlwaysRetriedWhileRetriesAreLeft() {
        assertThat(retrying(PER_TRY, situation(1, 0, true, true, NO_DEADLINE)).kind()).isEqualTo(Decision.Kind.RETRY_AFTER);
        assertThat(retrying(PER_TRY, situation(3, 0, true, true, NO_DEADLINE)))
                .isEqualTo(Decision.fail(GrpcCode.DEADLINE_EXCEEDED, "per try"));
    }

    @Test
    void noRetryWhenTheBackoffWouldOutlastTheDeadlineOrTheBudgetRefuses() {
        long backoff = TimeUnit.MILLISECONDS.toNanos(5);
        assertThat(retrying(UNAVAILABLE, situation(1, 0, true, true, backoff))).isEqualTo(Decision.COMMIT);
        assertThat(retrying(CANCEL_RESET, situation(1, 0, true, true, backoff)))
                .isEqualTo(Decision.fail(GrpcCode.UNAVAILABLE, "reset"));
        assertThat(retrying(CANCEL_RESET, situation(1, 0, true, false, NO_DEADLINE)))
                .isEqualTo(Decision.fail(GrpcCode.UNAVAILABLE, "reset (retry budget exhausted)"));
        assertThat(retrying(UNAVAILABLE, situation(1, 0, true, false, NO_DEADLINE)))
                .as("the backend's own answer, when it is not retried").isEqualTo(Decision.COMMIT);
    }

    @Test
    void resetAtTheDeadlineIsTheDeadlinePassingWhateverThePolicy() {
        AttemptOutcome atDeadline = AttemptOutcome.reset(Http2Error.CANCEL, true, "reset at deadline");
        assertThat(atDeadline.status()).isEqualTo(GrpcCode.DEADLINE_EXCEEDED);
        Decision expected = Decision.fail(GrpcCode.DEADLINE_EXCEEDED, "reset at deadline");
        assertThat(retrying(atDeadline, situation(1, 0, true, true, 1))).isEqualTo(expected);
        assertThat(hedging(atDeadline, situation(1, 1, true, true, 1))).isEqualTo(expected);
    }

    @Test
    void hedgingDelayStartsAHedgeWhileAttemptsReplayBudgetAndDeadlineAllow() {
        assertThat(Decisions.onHedgingDelay(HEDGING, situation(1, 1, true, true, NO_DEADLINE))).isEqualTo(Decision.HEDGE_NOW);
        assertThat(Decisions.onHedgingDelay(HEDGING, situation(3, 3, true, true, NO_DEADLINE))).isEqualTo(Decision.WAIT);
        assertThat(Decisions.onHedgingDelay(HEDGING, situation(1, 1, false, true, NO_DEADLINE))).isEqualTo(Decision.WAIT);
        assertThat(Decisions.onHedgingDelay(HEDGING, situation(1, 1, true, false, NO_DEADLINE))).isEqualTo(Decision.WAIT);
        assertThat(Decisions.onHedgingDelay(HEDGING, situation(1, 1, true, true, 0))).isEqualTo(Decision.WAIT);
    }

    @Test
    void nonFatalCodeStartsTheNextHedgeElseWaitsForTheOthersElseEndsWithTheAnswer() {
        assertThat(hedging(UNAVAILABLE, situation(1, 0, true, true, NO_DEADLINE))).isEqualTo(Decision.HEDGE_NOW);
        assertThat(hedging(UNAVAILABLE, situation(3, 1, true, true, NO_DEADLINE))).isEqualTo(Decision.WAIT);
        assertThat(hedging(UNAVAILABLE, situation(3, 0, true, true, NO_DEADLINE))).isEqualTo(Decision.COMMIT);
        assertThat(hedging(CANCEL_RESET, situation(3, 0, true, true, NO_DEADLINE)))
                .isEqualTo(Decision.fail(GrpcCode.UNAVAILABLE, "reset"));
        assertThat(hedging(CANCEL_RESET, situation(1, 0, true, false, NO_DEADLINE)))
                .isEqualTo(Decision.fail(GrpcCode.UNAVAILABLE, "reset (retry budget exhausted)"));
        assertThat(hedging(CANCEL_RESET, situation(1, 1, true, false, NO_DEADLINE))).isEqualTo(Decision.WAIT);
    }

    @Test
    void fatalCodeEndsAHedgedCallAtOnce() {
        assertThat(hedging(DENIED, situation(2, 1, true, true, NO_DEADLINE))).isEqualTo(Decision.COMMIT);
        assertThat(hedging(INTERNAL_RESET, situation(2, 1, true, true, NO_DEADLINE)))
                .isEqualTo(Decision.fail(GrpcCode.INTERNAL, "reset"));
    }

    @Test
    void hedgeThatNeverReachedABackendIsReplacedWithinMaxAttempts() {
        assertThat(hedging(REFUSED, situation(2, 1, true, false, NO_DEADLINE))).isEqualTo(Decision.RETRY_NOW);
        assertThat(hedging(REFUSED, situation(3, 1, true, true, NO_DEADLINE))).isEqualTo(Decision.WAIT);
        assertThat(hedging(NOT_SENT, situation(3, 0, true, true, NO_DEADLINE)))
                .isEqualTo(Decision.fail(GrpcCode.UNAVAILABLE, "connect failed"));
    }
}
