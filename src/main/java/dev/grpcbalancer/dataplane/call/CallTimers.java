package dev.grpcbalancer.dataplane.call;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The timers of the calls of one client connection. Every call watches its deadline and its idle
 * limit, and nearly every call ends long before either passes, so a timer is mostly started and
 * cancelled. A Netty scheduled task per call costs an allocation, a clock read, a promise and a
 * priority-queue insert and removal; here a call's {@link Entry} is the heap node itself (no
 * allocation), the caller passes the time it already read, and one Netty task is armed for the
 * earliest entry only. New idle limits lie after every earlier one, so they rarely move that
 * task; when the earliest entry is cancelled the task stays and, on firing early, arms itself for
 * the next one.
 *
 * <p>Confined to the connection's event loop. Time comes from the engine's ticker, the same clock
 * the entries' due times are read from. Public so that a connection can hold it; only the call
 * engine uses it.
 */
public final class CallTimers {

    /** One timer: schedule it with {@link #schedule}; it is in at most one queue at a time. */
    abstract static class Entry {
        private long dueNanos;
        /** Position in the heap; -1 when not scheduled. */
        private int index = -1;

        /** The due time passed: runs on the event loop, with the time read then. */
        abstract void expired(long nowNanos);

        final boolean isScheduled() {
            return index >= 0;
        }
    }

    private final EventLoop loop;
    private final LongSupplier ticker;
    private Entry[] heap = new Entry[16];
    private int size;
    /** The Netty task: expires what is due. */
    private final Runnable expireDue = this::expireDue;
    /** {@link #expireDue}, scheduled; null when none is armed. */
    private ScheduledFuture<?> wakeup;
    private long wakeupNanos;
    /** In {@link #expireDue}: entries scheduled meanwhile wait for the task armed at its end. */
    private boolean expiring;

    CallTimers(EventLoop loop, LongSupplier ticker) {
        this.loop = loop;
        this.ticker = ticker;
    }

    /** {@code entry} expires at {@code dueNanos} (ticker time); {@code nowNanos} is the time now. Reschedules it if it was scheduled. */
    void schedule(Entry entry, long dueNanos, long nowNanos) {
        if (entry.index >= 0) {
            removeAt(entry.index);
        }
        entry.dueNanos = dueNanos;
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        entry.index = size;
        heap[size++] = entry;
        siftUp(entry.index);
        if (!expiring && (wakeup == null || dueNanos - wakeupNanos < 0)) {
            arm(nowNanos);
        }
    }

    /** {@code entry} will not expire; nothing if it is not scheduled. */
    void cancel(Entry entry) {
        if (entry.index < 0) {
            return;
        }
        removeAt(entry.index);
        if (size == 0 && wakeup != null) {
            // nothing left to watch: let the connection's objects go now, not when the task fires
            wakeup.cancel(false);
            wakeup = null;
        }
    }

    /** Entries scheduled. */
    int size() {
        return size;
    }

    /** The Netty task fired: every entry due expires, earliest first, then the task waits for the next. */
    private void expireDue() {
        wakeup = null;
        long now = ticker.getAsLong();
        expiring = true;
        try {
            while (size > 0 && heap[0].dueNanos - now <= 0) {
                Entry due = heap[0];
                removeAt(0);
                due.expired(now); // may schedule entries again
            }
        } finally {
            expiring = false;
            if (size > 0) {
                arm(now);
            }
        }
    }

    private void arm(long nowNanos) {
        if (wakeup != null) {
            wakeup.cancel(false);
        }
        wakeupNanos = heap[0].dueNanos;
        wakeup = loop.schedule(expireDue, Math.max(0, wakeupNanos - nowNanos), TimeUnit.NANOSECONDS);
    }

    private void removeAt(int index) {
        Entry removed = heap[index];
        removed.index = -1;
        Entry last = heap[--size];
        heap[size] = null;
        if (index < size) {
            heap[index] = last;
            last.index = index;
            siftDown(index);
            if (last.index == index) {
                siftUp(index);
            }
        }
    }

    private void siftUp(int index) {
        Entry entry = heap[index];
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            Entry above = heap[parent];
            if (entry.dueNanos - above.dueNanos >= 0) {
                break;
            }
            heap[index] = above;
            above.index = index;
            index = parent;
        }
        heap[index] = entry;
        entry.index = index;
    }

    private void siftDown(int index) {
        Entry entry = heap[index];
        int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            int right = child + 1;
            if (right < size && heap[right].dueNanos - heap[child].dueNanos < 0) {
                child = right;
            }
            Entry below = heap[child];
            if (entry.dueNanos - below.dueNanos <= 0) {
                break;
            }
            heap[index] = below;
            below.index = index;
            index = child;
        }
        heap[index] = entry;
        entry.index = index;
    }
}
