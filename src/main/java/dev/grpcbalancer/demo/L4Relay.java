package dev.grpcbalancer.demo;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection-level (L4) TCP balancer for contrast: each new client connection goes to the next
 * backend, and every byte of that connection follows it. This is what an L4 load balancer does
 * with a gRPC client's one long-lived connection.
 */
final class L4Relay implements AutoCloseable {

    private final List<InetSocketAddress> backends;
    private final AtomicInteger next = new AtomicInteger();
    private final Channel server;

    L4Relay(EventLoopGroup group, String host, List<InetSocketAddress> backends) {
        this.backends = List.copyOf(backends);
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new Frontend())
                .bind(host, 0)
                .syncUninterruptibly()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    /** Connects each client to one backend on the client's event loop, then copies bytes both ways. */
    private final class Frontend extends ChannelInboundHandlerAdapter {
        @Override
        public boolean isSharable() {
            return true;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            InetSocketAddress backend = backends.get(Math.floorMod(next.getAndIncrement(), backends.size()));
            new Bootstrap().group(client.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new Copier(client))
                    .connect(backend)
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            client.pipeline().addLast(new Copier(f.channel()));
                            client.read();
                            f.channel().read();
                        } else {
                            client.close();
                        }
                    });
        }
    }

    /** Writes what it reads to its peer and reads more once the write went through. */
    private static final class Copier extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Copier(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.channel().read();
                } else {
                    f.channel().close();
                }
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer.isActive()) {
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
