package dev.grpcbalancer.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import dev.grpcbalancer.testing.RawHttp2Client;
import dev.grpcbalancer.testing.RawHttp2Client.Frame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The listener's defences against abusive clients, driven by a raw HTTP/2 client: each attack
 * ends in a GOAWAY or a refused stream, never in unbounded work or memory.
 */
class ProtectionTest {

    private static final String HOST = "127.0.0.1";
    private static final int MAX_STREAMS = 5;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    /** Accepts TCP connections and never speaks: calls to it stay open until the connect timeout. */
    private ServerSocket silentBackend;
    private DataPlane dataPlane;
    private int port;

    @BeforeEach
    void start() throws IOException {
        silentBackend = new ServerSocket(0, 50, java.net.InetAddress.getByName(HOST));
        dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST)
                .withMaxConcurrentStreams(MAX_STREAMS).withDrainTimeout(Duration.ofSeconds(1)).withIoThreads(1));
        port = FreePorts.freeLoopbackPort();
        dataPlane.publish(new RoutingSnapshot(List.of(new BalancerConfig(new BalancerId("default", "guarded"), 1, port,
                LoadBalancingPolicy.RoundRobin, new BackendSet(List.of(Endpoint.ready(HOST, silentBackend.getLocalPort())))))));
        Await.until(Duration.ofSeconds(10), dataPlane::isReady, () -> "listener bound");
    }

    @AfterEach
    void stop() throws IOException {
        dataPlane.close();
        silentBackend.close();
    }

    private RawHttp2Client connect() throws IOException {
        return new RawHttp2Client(new InetSocketAddress(HOST, port), READ_TIMEOUT);
    }

    @Test
    void advertisesAndEnforcesMaxConcurrentStreamsPerClientConnection() throws Exception {
        try (RawHttp2Client client = connect()) {
            Frame settings = client.read();
            assertThat(settings.type()).isEqualTo(RawHttp2Client.SETTINGS);
            assertThat(settings.setting(0x3)).isEqualTo(MAX_STREAMS);

            for (int i = 0; i <= MAX_STREAMS; i++) {
                client.headers(1 + 2 * i, RawHttp2Client.grpcRequest("/test.Echo/Unary"), false);
            }
            client.flush();
            int extraStream = 1 + 2 * MAX_STREAMS;
            List<Frame> frames = client.readUntil(f -> f.type() == RawHttp2Client.RST_STREAM);
            Frame reset = frames.get(frames.size() - 1);
            assertThat(reset.type()).as(frames.toString()).isEqualTo(RawHttp2Client.RST_STREAM);
            assertThat(reset.streamId()).as(frames.toString()).isEqualTo(extraStream);
            assertThat(reset.errorCode()).isEqualTo((int) Http2Error.REFUSED_STREAM.code());
        }
    }

    @Test
    void anHttp1RequestGetsGoAwayProtocolErrorAndTheListenerServesOn() throws Exception {
        byte[] answer;
        try (java.net.Socket socket = new java.net.Socket(HOST, port)) {
            socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: guarded\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            answer = socket.getInputStream().readAllBytes(); // until the proxy closes the connection
        }
        List<Frame> frames = RawHttp2Client.parse(answer);
        assertThat(frames).as(frames.toString()).last()
                .satisfies(goAway -> assertThat(goAway.type()).isEqualTo(RawHttp2Client.GOAWAY))
                .satisfies(goAway -> assertThat(goAway.errorCode()).isEqualTo((int) Http2Error.PROTOCOL_ERROR.code()));
        try (RawHttp2Client next = connect()) {
            assertThat(next.read().type()).as("a new connection still gets SETTINGS").isEqualTo(RawHttp2Client.SETTINGS);
        }
    }

    @Test
    void aFrameThatBreaksTheProtocolEndsOnlyItsConnection() throws Exception {
        try (RawHttp2Client bystander = connect(); RawHttp2Client broken = connect()) {
            bystander.headers(1, RawHttp2Client.grpcRequest("/test.Echo/Unary"), false);
            bystander.flush();
            // DATA on stream 0 is a connection error (RFC 9113, 6.1)
            broken.writeFrame(0x0, 0, 0, new byte[] {1, 2, 3});
            broken.flush();
            List<Frame> frames = broken.readUntil(f -> f.type() == RawHttp2Client.GOAWAY);
            Frame last = frames.get(frames.size() - 1);
            assertThat(last.type()).as(frames.toString()).isEqualTo(RawHttp2Client.GOAWAY);
            assertThat(last.errorCode()).isEqualTo((int) Http2Error.PROTOCOL_ERROR.code());

            // the other client's connection and call are untouched: a ping still comes back
            bystander.writeFrame(0x6, 0, 0, new byte[8]);
            bystander.flush();
            List<Frame> seen = bystander.readUntil(f -> f.type() == 0x6 && (f.flags() & 0x1) != 0);
            assertThat(seen).as(seen.toString()).noneMatch(f -> f.type() == RawHttp2Client.GOAWAY);
            assertThat(seen.get(seen.size() - 1).type()).as(seen.toString()).isEqualTo(0x6);
        }
    }

    @Test
    void rapidResetFloodEndsTheConnectionWithEnhanceYourCalm() throws Exception {
        try (RawHttp2Client client = connect()) {
            // Stop writing as soon as the GOAWAY is in: writing on into the closed connection
            // would make the server's kernel answer with a TCP reset that can discard it unread.
            List<Frame> frames = new ArrayList<>();
            try {
                for (int stream = 1; stream < 2 * 2000 && frames.stream().noneMatch(f -> f.type() == RawHttp2Client.GOAWAY);
                        stream += 2) {
                    client.headers(stream, RawHttp2Client.grpcRequest("/test.Echo/Unary"), false);
                    client.rstStream(stream, (int) Http2Error.CANCEL.code());
                    if (stream % 100 == 1) {
                        frames.addAll(client.readAvailable());
                    }
                }
            } catch (IOException closedByServer) {
                // the server closed the connection; its GOAWAY went out first
            }
            if (frames.stream().noneMatch(f -> f.type() == RawHttp2Client.GOAWAY)) {
                frames.addAll(client.readUntil(f -> f.type() == RawHttp2Client.GOAWAY));
            }
            Frame last = frames.stream().filter(f -> f.type() == RawHttp2Client.GOAWAY).findFirst()
                    .orElse(frames.get(frames.size() - 1));
            assertThat(last.type()).as(frames.toString()).isEqualTo(RawHttp2Client.GOAWAY);
            assertThat(last.errorCode()).as(frames.subList(Math.max(0, frames.size() - 5), frames.size()).toString()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
        }
    }

    @Test
    void moreThanTwoEmptyDataFramesInARowEndTheConnectionWithEnhanceYourCalm() throws Exception {
        try (RawHttp2Client client = connect()) {
            client.headers(1, RawHttp2Client.grpcRequest("/test.Echo/Unary"), false);
            // Two empty DATA frames are tolerated (a sender may flush an empty frame): a PING still comes back.
            client.data(1, new byte[0], false);
            client.data(1, new byte[0], false);
            client.writeFrame(RawHttp2Client.PING, 0, 0, new byte[8]);
            client.flush();
            List<Frame> beforeFlood = client.readUntil(f -> f.type() == RawHttp2Client.PING);
            assertThat(beforeFlood).as(beforeFlood.toString()).noneMatch(f -> f.type() == RawHttp2Client.GOAWAY)
                    .last().satisfies(ping -> assertThat(ping.flags() & RawHttp2Client.FLAG_ACK).isNotZero());

            client.data(1, new byte[0], false);
            client.flush();
            List<Frame> frames = client.readUntil(f -> f.type() == RawHttp2Client.GOAWAY);
            assertThat(frames).as(frames.toString()).last().satisfies(goAway -> {
                assertThat(goAway.type()).isEqualTo(RawHttp2Client.GOAWAY);
                assertThat(goAway.errorCode()).isEqualTo((int) Http2Error.ENHANCE_YOUR_CALM.code());
            });
        }
    }

    /**
     * The PING policy cuts it at the third PING (ConnectionLifecycleTest), long before the
     * control-frame cap: possibly within the first batch, so no count is expected.
     */
    @Test
    void pingFloodFromAClientThatReadsNoAcksIsCutOffAndOthersAreServed() throws Exception {
        byte[] ping = new byte[8];
        assertFloodOfControlFramesIsCutOff(client -> client.writeRepeated(RawHttp2Client.PING, 0, 0, ping, 8000), 0);
    }

    @Test
    void settingsFloodFromAClientThatReadsNoAcksIsCutOffAndOthersAreServed() throws Exception {
        assertFloodOfControlFramesIsCutOff(client -> client.writeRepeated(RawHttp2Client.SETTINGS, 0, 0, new byte[0], 8000),
                10_001);
    }

    /** Writes 8000 frames. */
    private interface FrameWriter {
        void write8000(RawHttp2Client client) throws IOException;
    }

    /**
     * Sends control frames that each make the server queue an answer (an ack) and never reads: once
     * the socket buffers are full the acks pile up in the server, until its cap on queued control
     * frames (10,000) closes the connection. Frames are sent in batches of 8,000; the server must
     * have closed the connection before the client wrote 4,000,000 of them (measured here: the
     * cut comes after 0.4 to 0.8 million, most of which filled the loopback socket buffers). A
     * client that behaves is served all along.
     *
     * @param atLeast frames the server takes before it cuts the flood: more than the control-frame
     *     cap, or 0 for a flood a policy cuts as soon as it sees it
     */
    private void assertFloodOfControlFramesIsCutOff(FrameWriter flood, int atLeast) throws Exception {
        try (RawHttp2Client bystander = connect();
                RawHttp2Client flooder = new RawHttp2Client(new InetSocketAddress(HOST, port), READ_TIMEOUT, 4096)) {
            int sent = 0;
            boolean closedByServer = false;
            while (sent < 4_000_000 && !closedByServer) {
                try {
                    flood.write8000(flooder);
                    flooder.flush();
                    sent += 8000;
                } catch (IOException e) {
                    closedByServer = true;
                }
            }
            assertThat(closedByServer).as("connection closed by the server after %d control frames", sent).isTrue();
            assertThat(sent).as("the cap of 10,000 queued control frames plus what the socket buffers took")
                    .isGreaterThanOrEqualTo(atLeast);

            bystander.writeFrame(RawHttp2Client.PING, 0, 0, new byte[8]);
            bystander.flush();
            List<Frame> seen = bystander.readUntil(f -> f.type() == RawHttp2Client.PING && (f.flags() & RawHttp2Client.FLAG_ACK) != 0);
            assertThat(seen).as(seen.toString()).noneMatch(f -> f.type() == RawHttp2Client.GOAWAY)
                    .last().satisfies(ack -> assertThat(ack.type()).isEqualTo(RawHttp2Client.PING));
        }
    }

    @Test
    void continuationFloodIsCutOffAtTheHeaderListLimit() throws Exception {
        try (RawHttp2Client client = connect()) {
            Http2Headers request = RawHttp2Client.grpcRequest("/test.Echo/Unary");
            // HEADERS without END_HEADERS, then CONTINUATION frames that never end the block.
            client.writeFrame(RawHttp2Client.HEADERS, 0, 1, client.encode(request));
            byte[] junk = new byte[8 * 1024];
            Arrays.fill(junk, (byte) 0x40); // HPACK literal with incremental indexing, repeated
            int framesSent = 0;
            boolean cutOff = false;
            for (; framesSent < 1280 && !cutOff; framesSent++) { // up to 10 MiB of header block
                try {
                    client.writeFrame(RawHttp2Client.CONTINUATION, 0, 1, junk);
                    client.flush();
                } catch (IOException closedByServer) {
                    cutOff = true;
                }
            }
            List<Frame> frames = client.readUntil(f -> f.type() == RawHttp2Client.GOAWAY);
            assertThat(frames).as("the server answers the flood with GOAWAY or closes").allSatisfy(
                    f -> assertThat(f.type()).isIn(RawHttp2Client.SETTINGS, RawHttp2Client.GOAWAY,
                            RawHttp2Client.WINDOW_UPDATE, RawHttp2Client.PING));
            assertThat(frames.isEmpty() || frames.get(frames.size() - 1).type() == RawHttp2Client.GOAWAY).isTrue();
            assertThat(client.read()).as("connection closed after the flood").isNull();
        }
    }

    @Test
    void oversizedHeadersAreRejectedWithoutHarmingTheConnectionsOtherCalls() throws Exception {
        try (RawHttp2Client client = connect()) {
            Http2Headers request = RawHttp2Client.grpcRequest("/test.Echo/Unary");
            request.set("x-big", "v".repeat(17 * 1024));
            client.headers(1, request, true);
            client.headers(3, RawHttp2Client.grpcRequest("/test.Echo/Unary").set("grpc-timeout", "200m"), true);
            client.flush();
            List<Frame> frames = client.readUntil(f -> f.streamId() == 3 && f.type() == RawHttp2Client.HEADERS);
            Frame first = frames.stream().filter(f -> f.streamId() == 1).findFirst().orElseThrow();
            if (first.type() == RawHttp2Client.HEADERS) {
                assertThat(client.decode(first).status().toString()).isEqualTo("431");
            } else {
                assertThat(first.type()).isEqualTo(RawHttp2Client.RST_STREAM);
            }
            Frame third = frames.get(frames.size() - 1);
            assertThat(third.streamId()).isEqualTo(3);
            // the silent backend never answers, so the second call ends at its deadline
            assertThat(client.decode(third).get("grpc-status").toString()).isEqualTo("4");
        }
    }

    @Test
    void nonGrpcRequestsGetTheHttpStatusTheGrpcSpecificationGives() throws Exception {
        try (RawHttp2Client client = connect()) {
            client.headers(1, RawHttp2Client.grpcRequest("/x").method("GET"), true);
            client.headers(3, RawHttp2Client.grpcRequest("/x").set("content-type", "application/json"), true);
            client.flush();
            java.util.Set<Integer> ended = new java.util.HashSet<>();
            List<Frame> frames = client.readUntil(f -> {
                if ((f.type() == RawHttp2Client.DATA || f.type() == RawHttp2Client.HEADERS)
                        && (f.flags() & RawHttp2Client.FLAG_END_STREAM) != 0) {
                    ended.add(f.streamId());
                }
                return ended.size() == 2;
            });
            assertThat(statusOf(client, frames, 1)).isEqualTo("405");
            assertThat(statusOf(client, frames, 3)).isEqualTo("415");
        }
    }

    private static String statusOf(RawHttp2Client client, List<Frame> frames, int stream) throws Exception {
        Frame headers = frames.stream().filter(f -> f.streamId() == stream && f.type() == RawHttp2Client.HEADERS)
                .findFirst().orElseThrow(() -> new AssertionError("no response on stream " + stream + ": " + frames));
        return client.decode(headers).status().toString();
    }
}
