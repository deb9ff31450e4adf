package dev.grpcbalancer.dataplane.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * One HTTP/2 stream of a {@link ProxyConnection}, as a call sees it: frames to write, flow-control
 * credit to return, a reset. Writes are flushed at the end of the event loop turn. Confined to
 * the connection's event loop; every method is safe to call after the stream closed (writes then
 * fail and release their data, resets and credit are dropped).
 *
 * <p>Data written with credit to return ({@link #writeData(ByteBuf, boolean, ProxyStream, int)})
 * owes that credit to its source until the write is done. The writes of one stream complete in
 * the order they were made, so the stream keeps what it owes in order and is itself the listener
 * of those writes: no object per write.
 */
public final class ProxyStream implements ChannelFutureListener {

    private final ProxyConnection connection;
    private final Http2Stream stream;
    private StreamHandler handler;
    /** Whom the credit of the writes in flight is owed to (a call's other stream), or null. */
    private ProxyStream creditSource;
    /** The credit of the oldest write in flight; more, in order, in {@link #creditQueue}. */
    private int creditFirst;
    private int creditPending;
    private int[] creditQueue;
    private int creditQueueStart;

    ProxyStream(ProxyConnection connection, Http2Stream stream) {
        this.connection = connection;
        this.stream = stream;
    }

    public int id() {
        return stream.id();
    }

    /** Routes the stream's frames to {@code handler} from now on. */
    public void handler(StreamHandler handler) {
        this.handler = handler;
    }

    StreamHandler handler() {
        return handler;
    }

    /** Takes the handler away: it hears nothing more from this stream. */
    StreamHandler detach() {
        StreamHandler detached = handler;
        handler = null;
        return detached;
    }

    public EventLoop eventLoop() {
        return connection.eventLoop();
    }

    public ByteBufAllocator alloc() {
        return connection.alloc();
    }

    /** Whether frames can still be written: the stream is not closed or reset and its connection is up. */
    public boolean isOpen() {
        return stream.state() != Http2Stream.State.CLOSED && !stream.isResetSent() && connection.isActive();
    }

    public ChannelFuture writeHeaders(Http2Headers headers, boolean endStream) {
        return connection.writeHeaders(stream.id(), headers, endStream);
    }

    /** Writes {@code data} (ownership passes). */
    public ChannelFuture writeData(ByteBuf data, boolean endStream) {
        return connection.writeData(stream, data, endStream);
    }

    /**
     * Writes {@code data} (ownership passes), and once it is written to the socket, or failed,
     * returns {@code bytes} of flow-control credit on {@code source}, the stream it was read from.
     */
    public ChannelFuture writeData(ByteBuf data, boolean endStream, ProxyStream source, int bytes) {
        ChannelFuture written = connection.writeData(stream, data, endStream);
        if (bytes > 0) {
            if (written.isDone()) {
                source.consume(bytes);
            } else if (creditSource == null || creditSource == source) {
                creditSource = source;
                oweCredit(bytes);
                written.addListener(this);
            } else {
                written.addListener(new ReturnCredit(source, bytes)); // another source: not seen in practice
            }
        }
        return written;
    }

    private void oweCredit(int bytes) {
        if (creditPending == 0) {
            creditFirst = bytes;
        } else {
            int more = creditPending - 1;
            if (creditQueue == null || more == creditQueue.length) {
                int[] grown = new int[creditQueue == null ? 4 : creditQueue.length * 2];
                for (int i = 0; i < more; i++) {
                    grown[i] = creditQueue[(creditQueueStart + i) % creditQueue.length];
                }
                creditQueue = grown;
                creditQueueStart = 0;
            }
            creditQueue[(creditQueueStart + more) % creditQueue.length] = bytes;
        }
        creditPending++;
    }

    /** The oldest write with credit owed is done, or failed: its source gets the credit back. */
    @Override
    public void operationComplete(ChannelFuture written) {
        int bytes = creditFirst;
        ProxyStream source = creditSource;
        if (--creditPending == 0) {
            creditSource = null;
        } else {
            creditFirst = creditQueue[creditQueueStart];
            creditQueueStart = (creditQueueStart + 1) % creditQueue.length;
        }
        source.consume(bytes);
    }

    /** Returns {@code bytes} of flow-control credit to the peer (a WINDOW_UPDATE when enough piled up). */
    public void consume(int bytes) {
        connection.consume(stream, bytes);
    }

    /**
     * Resets the stream with {@code error} if it is still open, and detaches the handler. A stream
     * whose HEADERS never went out closes without a frame.
     */
    public void reset(Http2Error error) {
        handler = null;
        if (stream.state() != Http2Stream.State.CLOSED) {
            connection.reset(stream.id(), error);
        }
    }

    /** Called by the connection when the stream closed; tells the handler unless it was detached. */
    void closed() {
        StreamHandler h = detach();
        if (h != null) {
            h.closed();
        }
    }

    @Override
    public String toString() {
        return "stream " + stream.id() + " on " + connection.channelDescription();
    }

    private record ReturnCredit(ProxyStream source, int bytes) implements ChannelFutureListener {
        @Override
        public void operationComplete(ChannelFuture future) {
            source.consume(bytes);
        }
    }
}
