package dev.grpcbalancer.bench;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandler;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * New TLS connections per second: {@code concurrency} loops, each opening a TCP connection, doing a
 * full TLS handshake (SNI {@link BenchCertificates#NAME}, ALPN h2, the server's certificate
 * verified), closing, and starting over. Engines are made without a peer host, so the client
 * keeps no session to resume: every handshake is a full one. Closed loop, like the unary load;
 * latency is connect plus handshake. The client is grpc-java's shaded Netty with OpenSSL, the same
 * for every target.
 */
final class HandshakeLoad {

    record Result(long handshakes, long errors, String firstError, LatencyStats.Snapshot latency, Sampler.Delta window) {
        double handshakesPerSecond() {
            return handshakes / window.seconds();
        }
    }

    private final EventLoopGroup group;
    private final int port;
    private final int concurrency;
    private final Sampler sampler;
    private final SslContext context;
    private final LatencyStats latency = new LatencyStats();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private volatile boolean stopping;

    HandshakeLoad(EventLoopGroup group, int port, int concurrency, X509Certificate trusted, Sampler sampler)
            throws SSLException {
        this.group = group;
        this.port = port;
        this.concurrency = concurrency;
        this.sampler = sampler;
        this.context = GrpcSslContexts.forClient().trustManager(trusted).build();
    }

    Result run(Duration warmup, Duration duration) throws InterruptedException {
        try {
            for (int i = 0; i < concurrency; i++) {
                running.incrementAndGet();
                next();
            }
            Thread.sleep(warmup.toMillis());
            latency.reset();
            firstError.set(null);
            long done0 = completed.get();
            long errors0 = errors.get();
            Sampler.Sample start = sampler.take();
            Thread.sleep(duration.toMillis());
            LatencyStats.Snapshot snapshot = latency.interval();
            long done = completed.get() - done0;
            long failed = errors.get() - errors0;
            Sampler.Sample end = sampler.take();
            return new Result(done, failed, firstError.get(), snapshot, Sampler.between(start, end));
        } finally {
            stopping = true;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (running.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
        }
    }

    /** One connection: connect, handshake, close; then the next, unless the run is over. */
    private void next() {
        if (stopping) {
            running.decrementAndGet();
            return;
        }
        long started = System.nanoTime();
        new Bootstrap().group(group)
                .channel(Transport.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        SSLEngine engine = context.newEngine(ch.alloc());
                        SSLParameters parameters = engine.getSSLParameters();
                        parameters.setServerNames(List.of(new SNIHostName(BenchCertificates.NAME)));
                        engine.setSSLParameters(parameters);
                        SslHandler ssl = new SslHandler(engine);
                        ssl.setHandshakeTimeoutMillis(10_000);
                        ch.pipeline().addLast(ssl, new Outcome(started));
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", port))
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        failed("connect: " + f.cause());
                        next();
                    }
                });
    }

    private void failed(String what) {
        errors.incrementAndGet();
        firstError.compareAndSet(null, what);
    }

    /** Counts the handshake, closes the connection and starts the next one when it is closed. */
    private final class Outcome extends ChannelInboundHandlerAdapter {
        private final long started;
        private boolean counted;

        Outcome(long started) {
            this.started = started;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof SslHandshakeCompletionEvent completion && !counted) {
                counted = true;
                String alpn = ctx.pipeline().get(SslHandler.class).applicationProtocol();
                if (completion.isSuccess() && "h2".equals(alpn)) {
                    latency.recordNanos(System.nanoTime() - started);
                    completed.incrementAndGet();
                } else {
                    failed(completion.isSuccess() ? "ALPN " + alpn + ", not h2" : "handshake: " + completion.cause());
                }
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!counted) {
                counted = true;
                failed("closed before the handshake completed");
            }
            next();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the handshake failure comes as the completion event
        }
    }
}
