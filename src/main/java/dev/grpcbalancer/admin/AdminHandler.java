package dev.grpcbalancer.admin;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers aggregated HTTP/1.1 requests from a fixed, immutable route table. Stateless, so one
 * instance serves every connection. Responses are written in request order (pipelining works) and
 * the connection is kept open unless the request asked for {@code Connection: close} (or is HTTP/1.0
 * without keep-alive) or could not be decoded.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final Map<String, AdminRoute> routes;

    AdminHandler(Map<String, AdminRoute> routes) {
        this.routes = Map.copyOf(requireNonNull(routes, "routes"));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            write(ctx, request.protocolVersion(), false,
                    AdminResponse.text(HttpResponseStatus.BAD_REQUEST, "bad request"));
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        AdminRoute route = routes.get(path);
        AdminResponse response;
        if (route == null) {
            response = AdminResponse.text(HttpResponseStatus.NOT_FOUND, "not found");
        } else if (!HttpMethod.GET.equals(request.method())) {
            response = AdminResponse.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
        } else {
            response = invoke(path, route);
        }
        write(ctx, request.protocolVersion(), HttpUtil.isKeepAlive(request), response);
    }

    private static AdminResponse invoke(String path, AdminRoute route) {
        try {
            return route.get();
        } catch (RuntimeException e) {
            log.warn("admin endpoint {} failed", path, e);
            return AdminResponse.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
        }
    }

    private static void write(ChannelHandlerContext ctx, HttpVersion version, boolean keepAlive,
            AdminResponse response) {
        ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), response.body());
        FullHttpResponse http = new DefaultFullHttpResponse(version, response.status(), content);
        http.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, response.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (response.status().equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
            http.headers().set(HttpHeaderNames.ALLOW, HttpMethod.GET.name());
        }
        if (keepAlive) {
            if (!version.isKeepAliveDefault()) {
                http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(http).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        } else {
            http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(http).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("admin connection {} failed", ctx.channel().remoteAddress(), cause);
        } else {
            log.warn("admin connection {} failed", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
