package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import java.time.Duration;

/**
 * Opens the transport of a new upstream connection: TCP in production, in-memory channels in
 * tests. The pool owns everything above it (HTTP/2 set-up, the SETTINGS deadline, backoff).
 */
public interface UpstreamConnector {

    /**
     * Starts connecting a channel on {@code loop} to {@code address}, with {@code initializer} as
     * its only handler; the future fails if the connection cannot be made within {@code timeout}.
     */
    ChannelFuture connect(EventLoop loop, EndpointAddress address, ChannelHandler initializer, Duration timeout);
}
