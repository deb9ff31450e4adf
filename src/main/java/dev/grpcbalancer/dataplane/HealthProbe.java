package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.GrpcResponses;
import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.dataplane.http2.StreamHandler;
import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.dataplane.upstream.StreamCallback;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One {@code grpc.health.v1.Health/Check} call to one endpoint, protobuf encoded by hand (the data
 * plane does not use grpc-java): the request is {@code HealthCheckRequest{service = 1}}, the
 * answer {@code HealthCheckResponse{status = 1}} with SERVING = 1. The check passes only on
 * SERVING with {@code grpc-status: 0} within the timeout; anything else (NOT_SERVING, another
 * status, a reset, a connect failure, no answer) fails it. Confined to its event loop; reports
 * exactly once unless cancelled.
 */
final class HealthProbe implements StreamCallback, StreamHandler {

    /** Reports the outcome: passed, or failed with a reason. */
    interface Result {
        void report(boolean passed, String detail);
    }

    static final String PATH = "/grpc.health.v1.Health/Check";
    private static final int SERVING = 1;
    private static final int MAX_RESPONSE_BYTES = 1024;

    private final EndpointAddress address;
    private final String service;
    private final Result result;
    private final ScheduledFuture<?> timeout;
    private final ByteBuf response = Unpooled.buffer(16, MAX_RESPONSE_BYTES);
    private ProxyStream stream;
    private boolean finished;
    private boolean ended;

    private HealthProbe(EventLoop loop, EndpointAddress address, String service, Duration limit, Result result) {
        this.address = address;
        this.service = service;
        this.result = result;
        this.timeout = loop.schedule(() -> finish(false, "no answer within " + limit.toMillis() + " ms"),
                limit.toNanos(), TimeUnit.NANOSECONDS);
    }

    static HealthProbe start(EventLoop loop, UpstreamPools pools, EndpointAddress address, UpstreamTls tls,
            String service, Duration timeout, Duration connectTimeout, Result result) {
        HealthProbe probe = new HealthProbe(loop, address, service, timeout, result);
        ProxyStream stream = pools.openStream(loop, address, tls, probe, connectTimeout);
        if (stream != null) {
            probe.opened(stream);
        }
        return probe;
    }

    /** Abandons the check without reporting. */
    void cancel() {
        finished = true;
        end();
    }

    // ---- StreamCallback ----

    @Override
    public void opened(ProxyStream opened) {
        stream = opened;
        if (finished) {
            opened.reset(Http2Error.CANCEL);
            return;
        }
        opened.handler(this);
        Http2Headers headers = new DefaultHttp2Headers()
                .method("POST").scheme("http").path(PATH).authority(address.toString())
                .set(HttpHeaderNames.CONTENT_TYPE, GrpcResponses.APPLICATION_GRPC)
                .set(HttpHeaderNames.TE, "trailers");
        opened.writeHeaders(headers, false);
        opened.writeData(request(opened.alloc(), service), true);
    }

    @Override
    public void failed(String reason) {
        finish(false, reason);
    }

    @Override
    public boolean cancelled() {
        return finished;
    }

    /** The length-prefixed message {@code HealthCheckRequest{service}}. */
    static ByteBuf request(ByteBufAllocator alloc, String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        int bodyLength = name.length == 0 ? 0 : 1 + varintSize(name.length) + name.length;
        ByteBuf buf = alloc.buffer(5 + bodyLength);
        buf.writeByte(0).writeInt(bodyLength);
        if (name.length > 0) {
            buf.writeByte(0x0A); // field 1, length-delimited
            writeVarint(buf, name.length);
            buf.writeBytes(name);
        }
        return buf;
    }

    /**
     * The {@code status} of a length-prefixed {@code HealthCheckResponse}, or -1 if it is
     * malformed or compressed. A missing field is 0 (UNKNOWN), as protobuf defines.
     */
    static int servingStatus(ByteBuf message) {
        if (message.readableBytes() < 5 || message.readByte() != 0) {
            return -1;
        }
        int length = message.readInt();
        if (length < 0 || length != message.readableBytes()) {
            return -1;
        }
        int status = 0;
        while (message.isReadable()) {
            long tag = readVarint(message);
            if (tag < 0) {
                return -1;
            }
            int wireType = (int) (tag & 7);
            long field = tag >>> 3;
            if (wireType == 0) {
                long value = readVarint(message);
                if (value < 0) {
                    return -1;
                }
                if (field == 1) {
                    status = (int) value;
                }
            } else if (wireType == 2) {
                long skip = readVarint(message);
                if (skip < 0 || skip > message.readableBytes()) {
                    return -1;
                }
                message.skipBytes((int) skip);
            } else if (wireType == 5 && message.readableBytes() >= 4) {
                message.skipBytes(4);
            } else if (wireType == 1 && message.readableBytes() >= 8) {
                message.skipBytes(8);
            } else {
                return -1;
            }
        }
        return status;
    }

    private static long readVarint(ByteBuf buf) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (!buf.isReadable()) {
                return -1;
            }
            byte b = buf.readByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        return -1;
    }

    private static void writeVarint(ByteBuf buf, int value) {
        while ((value & ~0x7F) != 0) {
            buf.writeByte((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buf.writeByte(value);
    }

    private static int varintSize(int value) {
        int size = 1;
        while ((value & ~0x7F) != 0) {
            size++;
            value >>>= 7;
        }
        return size;
    }

    // ---- stream handler ----

    @Override
    public void dataRead(ByteBuf data, int credit, boolean endStream) {
        try {
            if (finished) {
                return;
            }
            if (data.readableBytes() > response.maxWritableBytes()) {
                finish(false, "health response larger than " + MAX_RESPONSE_BYTES + " bytes");
                return;
            }
            response.writeBytes(data);
        } finally {
            data.release();
            stream.consume(credit);
        }
    }

    @Override
    public void headersRead(Http2Headers headers, boolean endStream) {
        if (finished || !endStream) {
            return;
        }
        CharSequence grpcStatus = headers.get(GrpcResponses.GRPC_STATUS);
        if (grpcStatus == null || !"0".contentEquals(grpcStatus)) {
            finish(false, "health check answered grpc-status " + grpcStatus);
            return;
        }
        int status = servingStatus(response);
        finish(status == SERVING, status == SERVING ? "SERVING" : "health status " + status
                + (status == 2 ? " (NOT_SERVING)" : ""));
    }

    @Override
    public void resetRead(Http2Error error) {
        finish(false, "the backend reset the health check stream (" + error + ")");
    }

    @Override
    public void refusedByGoAway() {
        finish(false, "the backend sent GOAWAY before answering the health check");
    }

    @Override
    public void closed() {
        finish(false, "the health check stream closed without an answer");
    }

    private void finish(boolean passed, String detail) {
        if (finished) {
            return;
        }
        finished = true;
        end();
        result.report(passed, detail);
    }

    private void end() {
        if (ended) {
            return;
        }
        ended = true;
        timeout.cancel(false);
        response.release();
        if (stream != null) {
            stream.reset(Http2Error.CANCEL); // nothing is sent if the stream ended already
        }
    }
}
