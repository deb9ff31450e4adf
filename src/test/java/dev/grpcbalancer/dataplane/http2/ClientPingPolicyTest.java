package dev.grpcbalancer.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client PING policy on an in-memory connection and a fake clock, against grpc-java's
 * {@code KeepAliveEnforcer} rules: a PING sooner than allowed is a strike, the third strike ends
 * the connection with GOAWAY ENHANCE_YOUR_CALM "too_many_pings", writes of HEADERS or DATA forgive.
 */
class ClientPingPolicyTest {

    private static final long PERMIT = Duration.ofMinutes(5).toNanos();

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private EmbeddedChannel channel;
    private TestConnection connection;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        outbound.forEach(ByteBuf::release);
    }

    @Test
    void pingsAtThePermittedIntervalWithACallInFlightAreFine() {
        start(false);
        openCall();

        for (int i = 0; i < 10; i++) {
            clock.addAndGet(PERMIT);
            ping(i);
        }

        assertThat(goAways()).isEmpty();
    }

    @Test
    void theThirdTooEarlyPingGetsGoAwayEnhanceYourCalmAndTheConnectionCloses() {
        start(false);
        openCall();
        clock.addAndGet(PERMIT);
        ping(1); // fine
        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        ping(2); // strike 1
        ping(3); // strike 2
        assertThat(goAways()).isEmpty();
        assertThat(channel.isOpen()).isTrue();

        ping(4); // strike 3

        assertThat(goAways()).containsExactly(new GoAway(1, Http2Error.ENHANCE_YOUR_CALM.code(), "too_many_pings"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void withoutCallsAPingEveryTenMinutesIsAlreadyTooOftenUnlessPermitted() {
        start(false);
        for (int i = 0; i < 3; i++) {
            clock.addAndGet(Duration.ofMinutes(10).toNanos());
            ping(i);
        }
        assertThat(goAways()).hasSize(1);

        start(true);
        for (int i = 0; i < 3; i++) {
            clock.addAndGet(Duration.ofMinutes(10).toNanos());
            ping(i);
        }
        assertThat(goAways()).isEmpty();
    }

    @Test
    void aPingAfterTheBalancerWroteHeadersOrDataIsForgiven() {
        start(false);
        openCall();
        ping(1);
        ping(2); // two strikes
        connection.call.writeHeaders(new DefaultHttp2Headers().status("200"), false);

        ping(3);
        ping(4);

        assertThat(goAways()).as("strikes forgotten after the write: these are two more").isEmpty();
        ping(5);
        assertThat(goAways()).hasSize(1);
    }

    private void start(boolean permitWithoutCalls) {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        outbound.forEach(ByteBuf::release);
        outbound.clear();
        connection = ProxyConnectionBuilder.forServer().build(TestConnection::new);
        connection.addPingListener(new ClientPingPolicy(connection, PERMIT, permitWithoutCalls, clock::get));
        channel = new EmbeddedChannel(connection);
        ByteBuf hello = Unpooled.buffer().writeBytes(Http2CodecUtil.connectionPrefaceBuf());
        frame(hello, 0x4, 0, 0, Unpooled.EMPTY_BUFFER); // SETTINGS
        inbound(hello);
        drainOutbound();
        outbound.forEach(ByteBuf::release); // our SETTINGS, its ack, WINDOW_UPDATE
        outbound.clear();
    }

    private void openCall() {
        Http2Headers request = new DefaultHttp2Headers().method("POST").scheme("http").path("/test.Echo/Unary")
                .authority("test").set("content-type", "application/grpc");
        ByteBuf block = Unpooled.buffer();
        try {
            new DefaultHttp2HeadersEncoder().encodeHeaders(1, request, block);
        } catch (Http2Exception e) {
            throw new AssertionError(e);
        }
        ByteBuf headers = Unpooled.buffer();
        frame(headers, 0x1, 0x4, 1, block); // HEADERS, END_HEADERS
        inbound(headers);
        assertThat(connection.call).isNotNull();
    }

    private void ping(long data) {
        ByteBuf ping = Unpooled.buffer();
        frame(ping, 0x6, 0, 0, Unpooled.buffer(8).writeLong(data));
        inbound(ping);
    }

    /** Appends a frame to {@code out}; {@code payload} is released. */
    private static void frame(ByteBuf out, int type, int flags, int stream, ByteBuf payload) {
        out.writeMedium(payload.readableBytes()).writeByte(type).writeByte(flags).writeInt(stream).writeBytes(payload);
        payload.release();
    }

    private void inbound(ByteBuf bytes) {
        if (channel.isOpen()) {
            channel.writeInbound(bytes);
            channel.runPendingTasks();
        } else {
            bytes.release();
        }
    }

    private record GoAway(int lastStreamId, long errorCode, String debug) {}

    private final List<ByteBuf> outbound = new ArrayList<>();

    private void drainOutbound() {
        channel.runPendingTasks();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            outbound.add((ByteBuf) msg);
        }
    }

    private List<GoAway> goAways() {
        drainOutbound();
        List<GoAway> found = new ArrayList<>();
        ByteBuf all = Unpooled.wrappedBuffer(outbound.toArray(new ByteBuf[0]));
        outbound.clear();
        try (DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader()) {
            while (all.isReadable()) {
                reader.readFrame(channel.pipeline().firstContext(), all, new Http2FrameAdapter() {
                    @Override
                    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode,
                            ByteBuf debugData) {
                        found.add(new GoAway(lastStreamId, errorCode, debugData.toString(StandardCharsets.US_ASCII)));
                    }
                });
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            all.release();
        }
        return found;
    }

    /** A server connection whose first stream is kept as {@link #call}. */
    static final class TestConnection extends ProxyConnection {
        ProxyStream call;

        TestConnection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
            super(decoder, encoder, settings, 1 << 20);
        }

        @Override
        protected void newStreamHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
            call = attach(stream);
        }
    }
}
