package dev.grpcbalancer.dataplane;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Coalesces flushes of one event loop. Netty merges the flushes of stream channels only within
 * their own connection's read loop, but a proxy writes across connections: what it reads from a
 * client is written to a backend connection and the reverse, so every call would cost its own
 * write syscalls. Channels flushed here are flushed once, after the event loop finished the
 * current batch of I/O, so the frames of many calls leave in one write per connection.
 *
 * <p>Confined to its event loop.
 */
final class FlushBatch implements Runnable {

    private final EventLoop loop;
    private List<Channel> pending = new ArrayList<>();
    private List<Channel> flushing = new ArrayList<>();
    private boolean scheduled;

    private FlushBatch(EventLoop loop) {
        this.loop = loop;
    }

    /** One batch per event loop of {@code group}; the map never changes. */
    static Map<EventExecutor, FlushBatch> perLoop(EventLoopGroup group) {
        Map<EventExecutor, FlushBatch> batches = new HashMap<>();
        for (EventExecutor executor : group) {
            batches.put(executor, new FlushBatch((EventLoop) executor));
        }
        return Map.copyOf(batches);
    }

    /** Flushes {@code channel} at the end of the current event loop turn. */
    void flushLater(Channel channel) {
        assert loop.inEventLoop();
        pending.add(channel);
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        // a flush can cause more flushLater calls (a write completes, a read starts): they go to
        // the other list and the next turn
        List<Channel> batch = pending;
        pending = flushing;
        flushing = batch;
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).flush();
        }
        batch.clear();
    }
}
