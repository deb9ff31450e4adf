package dev.grpcbalancer.dataplane.upstream;

import io.netty.channel.ChannelHandler;

/** A call waiting for a stream on one endpoint. */
record PendingStream(ChannelHandler handler, StreamCallback callback) {}
