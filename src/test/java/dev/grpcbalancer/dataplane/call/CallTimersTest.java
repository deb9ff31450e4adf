package dev.grpcbalancer.dataplane.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The heap of a connection's call timers, on an embedded event loop whose clock only the test moves. */
class CallTimersTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private long now = TimeUnit.HOURS.toNanos(1);
    private final List<String> expired = new ArrayList<>();
    private final CallTimers timers;

    CallTimersTest() {
        channel.freezeTime();
        timers = new CallTimers(channel.eventLoop(), () -> now);
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private final class Named extends CallTimers.Entry {
        final String name;
        long expiredAt = -1;
        Runnable then = () -> { };

        Named(String name) {
            this.name = name;
        }

        @Override
        void expired(long nowNanos) {
            expired.add(name);
            expiredAt = nowNanos;
            then.run();
        }
    }

    private void advanceMillis(long millis) {
        now += TimeUnit.MILLISECONDS.toNanos(millis);
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    private long in(long millis) {
        return now + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void entriesExpireAtTheirTimeEarliestFirst() {
        Named a = new Named("a");
        Named b = new Named("b");
        Named c = new Named("c");
        timers.schedule(b, in(20), now);
        timers.schedule(c, in(30), now);
        timers.schedule(a, in(10), now); // earlier than the armed wakeup: it moves

        advanceMillis(9);
        assertThat(expired).isEmpty();
        advanceMillis(1);
        assertThat(expired).containsExactly("a");
        advanceMillis(25);
        assertThat(expired).containsExactly("a", "b", "c");
        assertThat(timers.size()).isZero();
        assertThat(a.isScheduled()).isFalse();
    }

    @Test
    void cancelledEntriesNeverExpireAndTheWakeupGoesWithTheLast() {
        Named a = new Named("a");
        Named b = new Named("b");
        timers.schedule(a, in(10), now);
        timers.schedule(b, in(20), now);

        timers.cancel(a);
        timers.cancel(a); // twice: nothing
        advanceMillis(15); // the wakeup armed for a fires early and waits for b
        assertThat(expired).isEmpty();
        timers.cancel(b);

        assertThat(channel.runScheduledPendingTasks()).as("no Netty task left").isEqualTo(-1);
        advanceMillis(100);
        assertThat(expired).isEmpty();
    }

    @Test
    void aRescheduledEntryExpiresOnceAtItsNewTime() {
        Named a = new Named("a");
        Named b = new Named("b");
        timers.schedule(a, in(10), now);
        timers.schedule(b, in(15), now);
        timers.schedule(a, in(40), now); // pushed back, as a frame pushes the idle limit

        advanceMillis(20);
        assertThat(expired).containsExactly("b");
        advanceMillis(20);
        assertThat(expired).containsExactly("b", "a");
        assertThat(a.expiredAt).isEqualTo(now);
    }

    @Test
    void anEntryMayScheduleItselfAgainWhenItExpires() {
        Named a = new Named("a");
        int[] times = {0};
        a.then = () -> {
            if (++times[0] < 3) {
                timers.schedule(a, in(10), now);
            }
        };
        timers.schedule(a, in(10), now);

        for (int i = 0; i < 5; i++) {
            advanceMillis(10);
        }
        assertThat(expired).containsExactly("a", "a", "a");
        assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
    }

    @Test
    void entriesDueTogetherExpireInOneWakeupAndMayCancelEachOther() {
        Named a = new Named("a");
        Named b = new Named("b");
        Named c = new Named("c");
        timers.schedule(a, in(5), now);
        timers.schedule(b, in(6), now);
        timers.schedule(c, in(7), now);
        a.then = () -> timers.cancel(b); // a call ending another (a hedge's sibling, say)

        advanceMillis(10);
        assertThat(expired).containsExactly("a", "c");
    }

    /** Random schedules, reschedules and cancels against a plain model: the same entries expire, in due order, at their time. */
    @Test
    void matchesAModelOverRandomOperations() {
        for (int seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            Map<Named, Long> model = new HashMap<>();
            List<Named> entries = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                entries.add(new Named("e" + i));
            }
            List<Named> expiredEntries = new ArrayList<>();
            for (Named e : entries) {
                e.then = () -> expiredEntries.add(e);
            }
            for (int step = 0; step < 400; step++) {
                Named e = entries.get(random.nextInt(entries.size()));
                int op = random.nextInt(10);
                if (op < 5) {
                    long due = in(1 + random.nextInt(50));
                    timers.schedule(e, due, now);
                    model.put(e, due);
                } else if (op < 7) {
                    timers.cancel(e);
                    model.remove(e);
                } else {
                    expiredEntries.clear();
                    advanceMillis(1 + random.nextInt(5));
                    List<Named> due = model.entrySet().stream().filter(m -> m.getValue() - now <= 0)
                            .sorted(Map.Entry.comparingByValue(Comparator.naturalOrder()))
                            .map(Map.Entry::getKey).toList();
                    assertThat(expiredEntries).as("seed %d step %d", seed, step).hasSameElementsAs(due);
                    for (int i = 1; i < expiredEntries.size(); i++) {
                        assertThat(model.get(expiredEntries.get(i - 1))).isLessThanOrEqualTo(model.get(expiredEntries.get(i)));
                    }
                    due.forEach(model::remove);
                }
                assertThat(timers.size()).isEqualTo(model.size());
                for (Named n : entries) {
                    assertThat(n.isScheduled()).isEqualTo(model.containsKey(n));
                }
            }
            model.keySet().forEach(timers::cancel);
            assertThat(timers.size()).isZero();
        }
    }
}
