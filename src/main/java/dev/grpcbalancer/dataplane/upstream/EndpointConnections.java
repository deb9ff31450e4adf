package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.dataplane.http2.ProxyStream;
import dev.grpcbalancer.snapshot.EndpointAddress;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one event loop to one endpoint, and the calls waiting for a stream on it.
 * Confined to the event loop. A call takes a stream on the first connection with room; when none
 * has room, the call waits and enough connections are opened in parallel to take the waiting
 * calls (up to the configured maximum).
 *
 * <p><b>An endpoint that cannot be reached takes no calls.</b> When a connect fails, or a ready
 * connection is lost without a GOAWAY (the backend crashed, the network broke), new calls for the
 * endpoint are refused at once (they go elsewhere: nothing reached a backend) until a new
 * connection to it is up. The pool reconnects in the background, with a growing backoff (100 ms
 * doubling to 5 s) while connects fail; after a lost connection it waits the first 100 ms too,
 * as a backend that is going down may still accept a connection for a moment.
 *
 * <p>Callbacks are never called from within {@link #open}: failures are delivered from a task of
 * their own, and waiting calls are served from connection events or a task.
 */
final class EndpointConnections {

    private static final Logger log = LoggerFactory.getLogger(EndpointConnections.class);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final UpstreamKey key;
    private final EndpointAddress address;
    private final EventLoop loop;
    private final UpstreamConnector connector;
    private final UpstreamSettings settings;
    private final Runnable onEmpty;
    private final List<UpstreamConnection> connections = new ArrayList<>();
    private final ArrayDeque<PendingStream> waiters = new ArrayDeque<>();
    private int connecting;
    private boolean draining;
    private boolean serveScheduled;
    /** Why new calls are refused now, or null; cleared when a new connection to the endpoint is up. */
    private String unreachable;
    private long backoffNanos;
    private ScheduledFuture<?> reconnect;
    /** The connect timeout the last waiting call asked for, used by background reconnects. */
    private Duration lastConnectTimeout = Duration.ZERO;

    EndpointConnections(UpstreamKey key, EventLoop loop, UpstreamConnector connector, UpstreamSettings settings,
            Runnable onEmpty) {
        this.key = key;
        this.address = key.address();
        this.loop = loop;
        this.connector = connector;
        this.settings = settings;
        this.onEmpty = onEmpty;
    }

    EndpointAddress address() {
        return address;
    }

    /** The endpoint with how connections to it are secured. */
    UpstreamKey key() {
        return key;
    }

    /** A stream on a connection with room now, or null: {@code callback} then hears later. */
    ProxyStream open(StreamCallback callback, Duration connectTimeout) {
        if (draining) {
            refuse(callback, "endpoint " + address + " was removed");
            return null;
        }
        if (unreachable != null) {
            refuse(callback, unreachable);
            return null;
        }
        UpstreamConnection withRoom = connectionWithRoom();
        if (withRoom != null) {
            try {
                return withRoom.open();
            } catch (Http2Exception e) {
                refuse(callback, "could not open a stream to " + address + ": " + e.getMessage());
                return null;
            }
        }
        lastConnectTimeout = connectTimeout;
        waiters.add(new PendingStream(callback, connectTimeout));
        connectForWaiters();
        return null;
    }

    private UpstreamConnection connectionWithRoom() {
        for (int i = 0; i < connections.size(); i++) {
            UpstreamConnection connection = connections.get(i);
            if (connection.hasCapacity()) {
                return connection;
            }
        }
        return null;
    }

    /**
     * Opens connections in parallel until those being set up could take every waiting call
     * (estimated at the per-connection stream cap; a backend that allows fewer streams shows it in
     * its SETTINGS, and more connections follow then). Stops at the per-endpoint maximum and
     * while the endpoint is unreachable.
     */
    private void connectForWaiters() {
        int perConnection = settings.streamsPerConnection();
        while (!draining && unreachable == null && !waiters.isEmpty()
                && (long) connecting * perConnection < waiters.size()
                && connections.size() < settings.maxConnectionsPerEndpoint()) {
            connect(waiters.peekLast().connectTimeout());
        }
    }

    private void connect(Duration requested) {
        Duration timeout = requested.isZero() ? settings.connectTimeout() : requested;
        connecting++;
        UpstreamConnection connection = new UpstreamConnection(this, settings.streamsPerConnection());
        connections.add(connection);
        ChannelFuture connectFuture = connector.connect(loop, address,
                new UpstreamChannelInitializer(connection, settings, key.tls(), address.port()), timeout);
        // The backend must answer with SETTINGS within the connect timeout: a TCP listener that is
        // not an HTTP/2 server would otherwise hold calls forever.
        loop.schedule(() -> {
            if (!connection.isReady() && connectFuture.channel().isOpen()) {
                connectFuture.channel().close();
                connectFailed(connection, key.tls().enabled()
                        ? "no TLS handshake and HTTP/2 SETTINGS from " + address + " within " + timeout.toMillis()
                                + " ms (is it a gRPC server with TLS?)"
                        : "no HTTP/2 SETTINGS from " + address + " within " + timeout.toMillis()
                                + " ms (is it an h2c gRPC server?)");
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        connectFuture.addListener(f -> {
            if (!f.isSuccess()) {
                connectFailed(connection, "connect to " + address + " failed: " + describe(f.cause()));
            }
        });
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    private void connectFailed(UpstreamConnection connection, String reason) {
        if (!connections.remove(connection)) {
            return; // already accounted for
        }
        connecting--;
        backoffNanos = backoffNanos == 0 ? MIN_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
        log.debug("{}; backing off {} ms", reason, TimeUnit.NANOSECONDS.toMillis(backoffNanos));
        if (connecting == 0 && !draining) {
            unreachable = "connect to " + address + " failed recently: " + reason;
            failWaiters(reason);
            scheduleReconnect(backoffNanos);
        }
        emptyCheck();
    }

    void connectionReady(UpstreamConnection connection) {
        connecting--;
        backoffNanos = 0;
        if (unreachable != null) {
            log.debug("endpoint {} is reachable again", address);
            unreachable = null;
        }
        cancelReconnect();
        serveWaiters();
    }

    /** A stream ended on {@code connection} or it may take more now: serve the waiting calls. */
    void capacityFreed(UpstreamConnection connection) {
        // from a task: this runs while some call resets or ends a stream, and a waiting call of
        // the same call must not be handed a stream in the middle of that
        if (!waiters.isEmpty() && !serveScheduled) {
            serveScheduled = true;
            loop.execute(() -> {
                serveScheduled = false;
                serveWaiters();
            });
        }
    }

    /** The connection took GOAWAY: waiting calls need another connection. */
    void connectionUnusable(UpstreamConnection connection) {
        connectForWaiters();
    }

    /**
     * @param wasReady the backend's SETTINGS had arrived
     * @param lost it closed without a GOAWAY and without our asking: the backend or the network
     *     went away
     */
    void connectionClosed(UpstreamConnection connection, boolean wasReady, boolean lost) {
        if (!wasReady) {
            connectFailed(connection, connection.setupFailure() != null ? connection.setupFailure()
                    : "connection to " + address + " closed before HTTP/2 was set up");
            return;
        }
        connections.remove(connection);
        if (lost && !draining && unreachable == null) {
            // a crashing or stopping backend may still accept a connection for a moment: reconnect
            // after the first backoff step, not at once
            unreachable = "connection to backend " + address + " was lost; reconnecting";
            backoffNanos = MIN_BACKOFF_NANOS;
            log.debug("{}: no new calls until a connection is up", unreachable);
            failWaiters(unreachable); // calls waiting for a connection to it go elsewhere too
            scheduleReconnect(backoffNanos);
        }
        connectForWaiters();
        emptyCheck();
    }

    private void scheduleReconnect(long delayNanos) {
        if (draining || reconnect != null) {
            return;
        }
        reconnect = loop.schedule(this::reconnect, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void reconnect() {
        reconnect = null;
        if (!draining && unreachable != null && connecting == 0) {
            connect(lastConnectTimeout);
        }
    }

    private void cancelReconnect() {
        if (reconnect != null) {
            reconnect.cancel(false);
            reconnect = null;
        }
    }

    private void serveWaiters() {
        while (!waiters.isEmpty()) {
            UpstreamConnection withRoom = connectionWithRoom();
            if (withRoom == null) {
                connectForWaiters();
                return;
            }
            PendingStream next = waiters.poll();
            if (next.callback().cancelled()) {
                continue;
            }
            ProxyStream stream;
            try {
                stream = withRoom.open();
            } catch (Http2Exception e) {
                refuse(next.callback(), "could not open a stream to " + address + ": " + e.getMessage());
                continue;
            }
            next.callback().opened(stream);
        }
    }

    private void failWaiters(String reason) {
        PendingStream pending;
        while ((pending = waiters.poll()) != null) {
            refuse(pending.callback(), reason);
        }
    }

    private void refuse(StreamCallback callback, String reason) {
        loop.execute(() -> callback.failed(reason));
    }

    /** The endpoint left every balancer: no new streams, connections close when their streams end. */
    void drain() {
        draining = true;
        cancelReconnect();
        failWaiters("endpoint " + address + " was removed");
        for (UpstreamConnection connection : List.copyOf(connections)) {
            connection.drain(settings.drainTimeout().toNanos());
        }
        emptyCheck();
    }

    /** Closes every connection now. */
    void closeAll() {
        draining = true;
        cancelReconnect();
        failWaiters("the data plane is shutting down");
        for (UpstreamConnection connection : List.copyOf(connections)) {
            if (connection.channel() != null) {
                connection.channel().close();
            }
        }
    }

    /** Undoes {@link #drain()}: the endpoint came back before its connections closed. */
    void revive() {
        if (draining) {
            draining = false;
            connections.forEach(UpstreamConnection::revive);
            if (unreachable != null) {
                scheduleReconnect(backoffNanos);
            }
        }
    }

    private void emptyCheck() {
        if (draining && connections.isEmpty() && waiters.isEmpty()) {
            onEmpty.run();
        }
    }
}
