package dev.grpcbalancer.dataplane.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
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

        assertThat(budget.acquire()).isEqualTo(RetryBudget.Grant.SLOT);
        assertThat(budget.acquire()).isEqualTo(RetryBudget.Grant.SLOT);
        assertThat(budget.allows()).isFalse();
        assertThat(budget.acquire()).as("20 % of 10").isEqualTo(RetryBudget.Grant.DENIED);

        budget.callEnded(true);
        budget.callStarted();
        assertThat(budget.allows()).isTrue();
        assertThat(budget.acquire()).as("a slot freed by a call that ended").isEqualTo(RetryBudget.Grant.SLOT);
    }

    @Test
    void reserveHoldsTenSecondsOfTheMinimumRateForABurst() {
        RetryBudget budget = new RetryBudget(0, 2, clock::get);
        budget.callStarted();

        for (int i = 0; i < 2 * RetryBudget.RESERVE_SECONDS; i++) {
            assertThat(budget.acquire()).as("retry %d of a burst", i).isEqualTo(RetryBudget.Grant.RESERVE);
        }
        assertThat(budget.allows()).isFalse();
        assertThat(budget.acquire()).as("the reserve is spent").isEqualTo(RetryBudget.Grant.DENIED);
    }

    @Test
    void reserveRefillsAtTheMinimumRate() {
        RetryBudget budget = new RetryBudget(0, 2, clock::get);
        budget.callStarted();
        while (budget.acquire() == RetryBudget.Grant.RESERVE) {
            // spend it all
        }

        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(499));
        assertThat(budget.acquire()).as("half a token").isEqualTo(RetryBudget.Grant.DENIED);
        clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(budget.acquire()).as("one token after 500 ms at 2/s").isEqualTo(RetryBudget.Grant.RESERVE);
        assertThat(budget.acquire()).isEqualTo(RetryBudget.Grant.DENIED);

        clock.addAndGet(TimeUnit.SECONDS.toNanos(60));
        int refilled = 0;
        while (budget.acquire() == RetryBudget.Grant.RESERVE) {
            refilled++;
        }
        assertThat(refilled).as("a long quiet spell refills it to ten seconds' worth, no more")
                .isEqualTo(2 * RetryBudget.RESERVE_SECONDS);
    }

    @Test
    void withoutAMinimumRateThereIsNoReserve() {
        RetryBudget budget = new RetryBudget(0, 0, clock::get);
        budget.callStarted();

        assertThat(budget.allows()).isFalse();
        assertThat(budget.acquire()).isEqualTo(RetryBudget.Grant.DENIED);
    }

    @Test
    void endedCallsLeaveNothingCounted() {
        RetryBudget budget = new RetryBudget(50, 0, clock::get);
        budget.callStarted();
        budget.callStarted();
        assertThat(budget.acquire()).isEqualTo(RetryBudget.Grant.SLOT);

        budget.callEnded(true);
        budget.callEnded(false);

        assertThat(budget.activeCalls()).isZero();
        assertThat(budget.acquire()).as("no call in flight: 50 % of nothing").isEqualTo(RetryBudget.Grant.DENIED);
    }
}
