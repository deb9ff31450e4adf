package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare HTTP/2 (h2c) server on Netty's frame codec that misbehaves in ways a grpc-java server
 * cannot be made to: it answers every stream with RST_STREAM(REFUSED_STREAM); or accepts streams
 * and never answers and can then lose its connections without a GOAWAY or RST_STREAM (a crashed
 * pod); or sends a whole response, trailers included, before the request has ended; or falls
 * silent mid-stream like a host that is gone. It counts the streams (request HEADERS) it received.
 *
 * <pre>{@code
 * try (RawHttp2Backend refusing = RawHttp2Backend.start("127.0.0.4", RawHttp2Backend.Mode.REFUSE_STREAMS)) {
 *   // route calls to refusing.address(); refusing.streams() counts the attempts it refused
 * }
 * }</pre>
 */
public final class RawHttp2Backend implements AutoCloseable {

    /** What the server does with each stream. */
    public enum Mode {
        /** RST_STREAM(REFUSED_STREAM) as soon as the request HEADERS arrive. */
        REFUSE_STREAMS,
        /** Read the request and never answer; see {@link #dropConnections()}. */
        NEVER_ANSWER,
        /**
         * Answer as soon as the request HEADERS arrive, without waiting for the request to end:
         * {@link #ANSWER_MESSAGES} gRPC messages of {@link #ANSWER_MESSAGE_BYTES} zero bytes each,
         * then trailers with {@code grpc-status: 0}.
         */
        ANSWER_AT_ONCE,
        /**
         * On its first connection, hold the streams until {@link #GOAWAY_AFTER_STREAMS} have
         * arrived, then send GOAWAY with the first one's id as last-stream-id (the others were
         * never processed) and answer the first; on every later connection answer each stream at
         * once. Answers are unary gRPC responses: one empty message, {@code grpc-status: 0}.
         */
        GOAWAY_ONCE,
        /**
         * A host that disappears without a FIN: on the first stream, answer with response headers,
         * then read nothing more on that connection (no frame is processed, no PING acknowledged)
         * and stop listening, so new connections are refused. The connection stays open.
         */
        GO_SILENT
    }

    public static final int GOAWAY_AFTER_STREAMS = 4;

    public static final int ANSWER_MESSAGES = 32;
    public static final int ANSWER_MESSAGE_BYTES = 16 * 1024;

    private final Mode mode;
    private final EventLoopGroup group = new NioEventLoopGroup(1);
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger pings = new AtomicInteger();
    private final Channel server;

    private RawHttp2Backend(String host, Mode mode) {
        this.mode = mode;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        accepted.incrementAndGet();
                        // no limit on the RST_STREAM frames it sends: refusing hundreds of streams is its job
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer()
                                .encoderEnforceMaxRstFramesPerWindow(0, 0).build());
                        ch.pipeline().addLast(new StreamHandler());
                    }
                })
                .bind(new InetSocketAddress(host, 0))
                .syncUninterruptibly()
                .channel();
    }

    /** Starts a server on {@code host} (a loopback address) and a free port. */
    public static RawHttp2Backend start(String host, Mode mode) {
        return new RawHttp2Backend(requireNonNull(host, "host"), requireNonNull(mode, "mode"));
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Request HEADERS frames received so far (one per stream). */
    public int streams() {
        return streams.get();
    }

    /** PING frames received so far (the codec acknowledges each, unless the connection went silent). */
    public int pings() {
        return pings.get();
    }

    /** TCP connections accepted so far. */
    public int connectionsAccepted() {
        return accepted.get();
    }

    public void awaitStreams(int n, Duration timeout) {
        Await.until(timeout, () -> streams.get() >= n, () -> n + " streams, got " + streams.get());
    }

    /**
     * Closes every TCP connection at once, below the HTTP/2 codec: the peer gets no GOAWAY and no
     * RST_STREAM, only the end of the connection.
     */
    public void dropConnections() {
        for (Channel connection : connections) {
            connection.pipeline().firstContext().close();
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public String toString() {
        return "RawHttp2Backend{" + mode + "@" + address() + "}";
    }

    private final class StreamHandler extends ChannelInboundHandlerAdapter {
        /** GOAWAY_ONCE: this is the first connection, and its streams so far. */
        private final boolean firstConnection = accepted.get() == 1;
        private final java.util.List<Http2FrameStream> held = new java.util.ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2PingFrame ping && !ping.ack()) {
                    pings.incrementAndGet();
                }
                if (msg instanceof Http2HeadersFrame headers && headers.stream() != null) {
                    streams.incrementAndGet();
                    if (mode == Mode.REFUSE_STREAMS) {
                        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(headers.stream()));
                    } else if (mode == Mode.ANSWER_AT_ONCE) {
                        answer(ctx, headers.stream());
                    } else if (mode == Mode.GOAWAY_ONCE) {
                        goAwayOnce(ctx, headers.stream());
                    } else if (mode == Mode.GO_SILENT) {
                        goSilent(ctx, headers.stream());
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void goAwayOnce(ChannelHandlerContext ctx, Http2FrameStream stream) {
            if (!firstConnection) {
                answerUnary(ctx, stream);
                return;
            }
            held.add(stream);
            if (held.size() == GOAWAY_AFTER_STREAMS) {
                Http2FrameStream first = held.get(0);
                ctx.pipeline().get(Http2FrameCodec.class).goAway(ctx, first.id(), Http2Error.NO_ERROR.code(),
                        io.netty.buffer.Unpooled.EMPTY_BUFFER, ctx.newPromise());
                answerUnary(ctx, first);
            }
        }

        private void goSilent(ChannelHandlerContext ctx, Http2FrameStream stream) {
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                    .status("200").set("content-type", "application/grpc"), false).stream(stream));
            // Drop every byte before the codec: it would still read (HTTP/2 never stops reading) and acknowledge PINGs.
            ctx.pipeline().addFirst(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext silent, Object bytes) {
                    ReferenceCountUtil.release(bytes);
                }
            });
            server.close();
        }

        private void answerUnary(ChannelHandlerContext ctx, Http2FrameStream stream) {
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                    .status("200").set("content-type", "application/grpc"), false).stream(stream));
            ctx.write(new DefaultHttp2DataFrame(ctx.alloc().buffer(5).writeByte(0).writeInt(0), false).stream(stream));
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true)
                    .stream(stream));
        }

        private void answer(ChannelHandlerContext ctx, Http2FrameStream stream) {
            ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                    .status("200").set("content-type", "application/grpc"), false).stream(stream));
            for (int i = 0; i < ANSWER_MESSAGES; i++) {
                ByteBuf message = ctx.alloc().buffer(5 + ANSWER_MESSAGE_BYTES)
                        .writeByte(0).writeInt(ANSWER_MESSAGE_BYTES).writeZero(ANSWER_MESSAGE_BYTES);
                ctx.write(new DefaultHttp2DataFrame(message, false).stream(stream));
            }
            ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true)
                    .stream(stream));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
