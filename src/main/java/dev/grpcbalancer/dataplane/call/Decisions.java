package dev.grpcbalancer.dataplane.call;

import dev.grpcbalancer.snapshot.GrpcCode;
import dev.grpcbalancer.snapshot.HedgingPolicy;
import dev.grpcbalancer.snapshot.RetryPolicy;

/**
 * The policy of a call in one pure function: given the balancer's retry or hedging policy, how an
 * attempt ended and where the call stands, what happens next. No state, no clock, no randomness
 * of its own (the jitter is an input), so every rule is tested on its own ({@code DecisionsTest}).
 *
 * <p><b>Retrying</b> (gRFC A6's retry policy, as {@code spec.retry} configures it): an attempt that
 * provably never reached a backend is tried again at once, outside the budget. An attempt the
 * backend answered (trailers-only), reset or lost, or that the per-try timeout cut, is tried again
 * after a jittered backoff if its code is in {@code retryOn} (a per-try timeout always is), there
 * are retries left, the request is still held in the replay buffer, the backoff ends before the
 * deadline and the budget allows it. A trailers-only answer that is not retried goes to the client
 * as it is; any other failure ends the call with its status.
 *
 * <p><b>Hedging</b> (gRFC A6's hedging policy): an attempt that ended with a non-fatal code ends
 * only itself: the next hedge starts at once if attempts, replay buffer, deadline and budget allow,
 * else the call waits for its other attempts, and when none is left the client gets this answer.
 * Any other code ends the call: a trailers-only answer is passed on, a failure becomes the call's.
 *
 * <p>Response headers always commit the attempt that got them; they are not decided here.
 */
final class Decisions {

    /** A backend reset this close to the call's deadline is taken as the deadline passing. */
    static final long DEADLINE_SLACK_NANOS = 20_000_000;
    private static final String BUDGET_EXHAUSTED = " (retry budget exhausted)";

    /**
     * Where the call stands when it decides.
     *
     * @param attemptsStarted attempts started so far, the ended one included
     * @param attemptsLive attempts still running, the ended one excluded
     * @param canReplay the whole request so far is held for another attempt
     * @param budgetAllows the retry budget would grant one more retry or hedge now
     * @param nanosLeft until the call's deadline, {@link Long#MAX_VALUE} without one
     */
    record Situation(int attemptsStarted, int attemptsLive, boolean canReplay, boolean budgetAllows, long nanosLeft) {}

    private Decisions() {
    }

    /**
     * What to do after {@code outcome} ended one attempt of a call.
     *
     * @param jitter a random number in [0, 1) that places the backoff in its window
     */
    static Decision afterAttempt(RetryPolicy retry, HedgingPolicy hedging, AttemptOutcome outcome, Situation call,
            double jitter) {
        if (hedging.enabled()) {
            return afterHedgedAttempt(hedging, outcome, call);
        }
        return switch (outcome.kind()) {
            case NOT_SENT, REFUSED_STREAM, REFUSED_BY_GOAWAY ->
                    call.attemptsStarted() <= retry.numRetries() && call.canReplay()
                            ? Decision.RETRY_NOW
                            : Decision.fail(outcome.status(), outcome.reason());
            case RESET_AT_DEADLINE -> Decision.fail(GrpcCode.DEADLINE_EXCEEDED, outcome.reason());
            case TRAILERS_ONLY -> retry.retries(outcome.status())
                    ? afterBackoff(retry, outcome, call, jitter)
                    : Decision.COMMIT;
            case RESET, CONNECTION_CLOSED -> retry.retries(outcome.status())
                    ? afterBackoff(retry, outcome, call, jitter)
                    : Decision.fail(outcome.status(), outcome.reason());
            case PER_TRY_TIMEOUT -> afterBackoff(retry, outcome, call, jitter); // setting the timeout opts in
        };
    }

    /** What to do when a hedged call's hedging delay passed without response headers. */
    static Decision onHedgingDelay(HedgingPolicy hedging, Situation call) {
        return mayHedge(hedging, call) && call.budgetAllows() ? Decision.HEDGE_NOW : Decision.WAIT;
    }

    /** The backoff before retry number {@code attemptsStarted}: random in [0, min(max, base × 2^(n-1))). */
    static long backoffNanos(RetryPolicy retry, int attemptsStarted, double jitter) {
        long bound = retry.backoffBase().toNanos() << Math.min(20, Math.max(0, attemptsStarted - 1));
        bound = Math.min(bound, retry.backoffMax().toNanos());
        return (long) (jitter * bound);
    }

    private static Decision afterBackoff(RetryPolicy retry, AttemptOutcome outcome, Situation call, double jitter) {
        if (call.attemptsStarted() > retry.numRetries() || !call.canReplay()) {
            return notRetried(outcome, "");
        }
        long delay = backoffNanos(retry, call.attemptsStarted(), jitter);
        if (call.nanosLeft() <= delay) {
            return notRetried(outcome, "");
        }
        if (!call.budgetAllows()) {
            return notRetried(outcome, BUDGET_EXHAUSTED);
        }
        return Decision.retryAfter(delay);
    }

    private static Decision afterHedgedAttempt(HedgingPolicy hedging, AttemptOutcome outcome, Situation call) {
        switch (outcome.kind()) {
            case NOT_SENT, REFUSED_STREAM, REFUSED_BY_GOAWAY -> {
                if (call.attemptsStarted() < hedging.maxAttempts() && call.canReplay()) {
                    return Decision.RETRY_NOW; // it loaded no backend: no budget, no delay
                }
                return othersOr(call, Decision.fail(outcome.status(), outcome.reason()));
            }
            case RESET_AT_DEADLINE -> {
                return Decision.fail(GrpcCode.DEADLINE_EXCEEDED, outcome.reason());
            }
            default -> {
                if (!hedging.nonFatal(outcome.status()) && outcome.kind() != AttemptOutcome.Kind.PER_TRY_TIMEOUT) {
                    return notRetried(outcome, "");
                }
                if (mayHedge(hedging, call)) {
                    return call.budgetAllows() ? Decision.HEDGE_NOW
                            : othersOr(call, notRetried(outcome, BUDGET_EXHAUSTED));
                }
                return othersOr(call, notRetried(outcome, ""));
            }
        }
    }

    private static boolean mayHedge(HedgingPolicy hedging, Situation call) {
        return call.attemptsStarted() < hedging.maxAttempts() && call.canReplay() && call.nanosLeft() > 0;
    }

    /** Waiting for the call's other attempts if there are any, else {@code last}. */
    private static Decision othersOr(Situation call, Decision last) {
        return call.attemptsLive() > 0 ? Decision.WAIT : last;
    }

    /** The attempt is not followed by another: a trailers-only answer goes to the client, else its failure. */
    private static Decision notRetried(AttemptOutcome outcome, String why) {
        return outcome.kind() == AttemptOutcome.Kind.TRAILERS_ONLY
                ? Decision.COMMIT
                : Decision.fail(outcome.status(), outcome.reason() + why);
    }
}
