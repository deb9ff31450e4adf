package dev.grpcbalancer.dataplane.http2;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;

/**
 * Coalesces the flushes of one event loop. A proxy writes across connections: what it reads from a
 * client goes out on a backend connection and the reverse, so flushing each write on its own
 * would cost a write syscall per frame. Connections flushed here are flushed once, after the event
 * loop has handled the current batch of I/O, so the frames of many calls leave in one write per
 * connection.
 *
 * <p>One per event loop thread; confined to it.
 */
final class FlushBatch implements Runnable {

    private static final FastThreadLocal<FlushBatch> PER_THREAD = new FastThreadLocal<>();

    private final EventLoop loop;
    private List<ProxyConnection> pending = new ArrayList<>();
    private List<ProxyConnection> flushing = new ArrayList<>();
    private boolean scheduled;

    private FlushBatch(EventLoop loop) {
        this.loop = loop;
    }

    /** The batch of {@code loop}; must be called on it. */
    static FlushBatch of(EventLoop loop) {
        assert loop.inEventLoop();
        FlushBatch batch = PER_THREAD.get();
        if (batch == null || batch.loop != loop) {
            batch = new FlushBatch(loop);
            PER_THREAD.set(batch);
        }
        return batch;
    }

    /** Flushes {@code connection} at the end of the current event loop turn. */
    void add(ProxyConnection connection) {
        pending.add(connection);
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        // a flush can cause more flushes (a write completes and returns flow-control credit):
        // they go to the other list and the next turn
        List<ProxyConnection> batch = pending;
        pending = flushing;
        flushing = batch;
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).flushNow();
        }
        batch.clear();
    }
}
