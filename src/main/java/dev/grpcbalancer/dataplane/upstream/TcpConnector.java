package dev.grpcbalancer.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.time.Duration;

/** TCP connections to backends, resolved by Netty's resolver (DNS names included) on the event loop. */
final class TcpConnector implements UpstreamConnector {

    private final Bootstrap bootstrap;

    TcpConnector(Class<? extends Channel> channelType, AddressResolverGroup<InetSocketAddress> resolver) {
        this.bootstrap = new Bootstrap()
                .channel(requireNonNull(channelType, "channelType"))
                .resolver(requireNonNull(resolver, "resolver"))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true);
    }

    @Override
    public ChannelFuture connect(EventLoop loop, EndpointAddress address, ChannelHandler initializer, Duration timeout) {
        return bootstrap.clone(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()))
                .handler(initializer)
                .connect(InetSocketAddress.createUnresolved(address.host(), address.port()));
    }
}
