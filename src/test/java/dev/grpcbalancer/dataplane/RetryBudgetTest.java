package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

    private final AtomicLong clock = new AtomicLong(5_000_000_000L);

    @Test
    void retryingCallsStayWithinThePercentOfCallsInFlight() {
        RetryBudget budget = new RetryBudget(20, 0, clock::get);
        for (int i = 0; i < 10; i++) {
            budget.callStarted();
        }

        assertThat(budget.tryRetry()).isEqualTo(RetryBudget.Grant.SLOT);
        assertThat(budget.tryRetry()).isEqualTo(RetryBudget.Grant.SLOT);
        assertThat(budget.tryRetry()).as("20 % of 10").isEqualTo(RetryBudget.Grant.DENIED);

        budget.callEnded(true);
        budget.callStarted();
        assertThat(budget.tryRetry()).as("a slot freed by a call that ended").isEqualTo(RetryBudget.Grant.SLOT);
    }

    @Test
    void minimumRateAllowsRetriesBeyondThePercentEachSecond() {
        RetryBudget budget = new RetryBudget(0, 2, clock::get);
        budget.callStarted();

        assertThat(budget.tryRetry()).isEqualTo(RetryBudget.Grant.ONCE);
        assertThat(budget.tryRetry()).isEqualTo(RetryBudget.Grant.ONCE);
        assertThat(budget.tryRetry()).isEqualTo(RetryBudget.Grant.DENIED);
        clock.addAndGet(1_000_000_000L);
        assertThat(budget.tryRetry()).as("a new second").isEqualTo(RetryBudget.Grant.ONCE);
    }

    @Test
    void endedCallsLeaveNothingCounted() {
        RetryBudget budget = new RetryBudget(50, 0, clock::get);
        budget.callStarted();
        budget.callStarted();
        assertThat(budget.tryRetry()).isEqualTo(RetryBudget.Grant.SLOT);

        budget.callEnded(true);
        budget.callEnded(false);

        assertThat(budget.activeCalls()).isZero();
        assertThat(budget.tryRetry()).as("no call in flight: 50 % of nothing").isEqualTo(RetryBudget.Grant.DENIED);
    }
}
