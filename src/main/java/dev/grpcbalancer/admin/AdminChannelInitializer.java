package dev.grpcbalancer.admin;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

/** Pipeline of one admin connection: HTTP/1.1 codec, a small aggregator, the route handler. */
final class AdminChannelInitializer extends ChannelInitializer<Channel> {

    /** Admin requests are GETs; anything with a body larger than this is refused with 413. */
    static final int MAX_REQUEST_BODY_BYTES = 8 * 1024;

    private final AdminHandler handler;
    private final ChannelGroup connections;

    AdminChannelInitializer(AdminHandler handler, ChannelGroup connections) {
        this.handler = requireNonNull(handler, "handler");
        this.connections = requireNonNull(connections, "connections");
    }

    @Override
    protected void initChannel(Channel ch) {
        connections.add(ch);
        ch.pipeline()
                .addLast("http", new HttpServerCodec())
                .addLast("aggregator", new HttpObjectAggregator(MAX_REQUEST_BODY_BYTES))
                .addLast("admin", handler);
    }
}
