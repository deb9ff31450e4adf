package dev.grpcbalancer.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BusyDirectoryTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void isBusyOnceAWindowHoldsMoreWakeupsThanTheLimit() {
        BusyDirectory busy = new BusyDirectory(3);

        assertThat(busy.irrelevantWakeup(0)).isFalse();
        assertThat(busy.irrelevantWakeup(10)).isFalse();
        assertThat(busy.irrelevantWakeup(20)).isFalse();
        assertThat(busy.irrelevantWakeup(30)).isTrue();
    }

    @Test
    void aNewWindowStartsTheCountAgain() {
        BusyDirectory busy = new BusyDirectory(2);
        busy.irrelevantWakeup(0);
        busy.irrelevantWakeup(SECOND - 1);

        assertThat(busy.irrelevantWakeup(SECOND)).isFalse();
        assertThat(busy.irrelevantWakeup(SECOND + 1)).isFalse();
        assertThat(busy.irrelevantWakeup(SECOND + 2)).isTrue();
    }

    @Test
    void steadyWakeupsBelowTheLimitNeverCount() {
        BusyDirectory busy = new BusyDirectory(10);
        for (long t = 0; t < 60 * SECOND; t += SECOND / 10) {
            assertThat(busy.irrelevantWakeup(t)).isFalse();
        }
    }

    @Test
    void refusesANonPositiveLimit() {
        assertThatThrownBy(() -> new BusyDirectory(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
