package dev.grpcbalancer.dataplane.upstream;

import io.netty.channel.ChannelHandler;
import java.time.Duration;

/**
 * A call waiting for a stream on one endpoint.
 *
 * @param connectTimeout for a connection opened for this call; {@link Duration#ZERO} for the
 *     pool's default
 */
record PendingStream(ChannelHandler handler, StreamCallback callback, Duration connectTimeout) {}
