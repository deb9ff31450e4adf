package dev.grpcbalancer.admin;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.kqueue.KQueueEventLoopGroup;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/** Picks the server socket channel type that matches the transport of a caller's event loop group. */
final class ServerChannels {

    private ServerChannels() {
    }

    static Class<? extends ServerChannel> typeFor(EventLoopGroup group) {
        if (group instanceof EpollEventLoopGroup) {
            return EpollServerSocketChannel.class;
        }
        if (group instanceof KQueueEventLoopGroup) {
            return KQueueServerSocketChannel.class;
        }
        return NioServerSocketChannel.class;
    }
}
