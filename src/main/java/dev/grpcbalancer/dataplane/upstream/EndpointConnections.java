package dev.grpcbalancer.dataplane.upstream;

import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.Keepalive;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
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
 * calls (up to the configured maximum). A failed connect fails the waiting calls at once (they retry elsewhere) and starts a short,
 * growing backoff during which new calls for this endpoint fail without a connect attempt.
 */
final class EndpointConnections {

    private static final Logger log = LoggerFactory.getLogger(EndpointConnections.class);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final EndpointAddress address;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final UpstreamSettings settings;
    private final Runnable onEmpty;
    private final List<UpstreamConnection> connections = new ArrayList<>();
    private final ArrayDeque<PendingStream> waiters = new ArrayDeque<>();
    private int connecting;
    private boolean draining;
    private long backoffNanos;
    private long backoffUntilNanos;
    private String lastFailure;
    /** The backend sent "too_many_pings" this often: new connections ping 2^n times less often. */
    private int keepaliveDoublings;

    EndpointConnections(EndpointAddress address, EventLoop loop, Bootstrap bootstrap, UpstreamSettings settings,
            Runnable onEmpty) {
        this.address = address;
        this.loop = loop;
        this.bootstrap = bootstrap;
        this.settings = settings;
        this.onEmpty = onEmpty;
    }

    EndpointAddress address() {
        return address;
    }

    void open(PendingStream pending) {
        if (draining) {
            pending.callback().failed("endpoint " + address + " was removed");
            return;
        }
        for (UpstreamConnection connection : connections) {
            if (connection.hasCapacity()) {
                connection.open(pending);
                return;
            }
        }
        if (connecting == 0 && System.nanoTime() < backoffUntilNanos) {
            pending.callback().failed("connect to " + address + " failed recently: " + lastFailure);
            return;
        }
        waiters.add(pending);
        connectForWaiters();
    }

    /**
     * Opens connections in parallel until those being set up could take every waiting call
     * (estimated at the per-connection stream cap; a backend that allows fewer streams shows it in
     * its SETTINGS, and more connections follow then). Stops at the per-endpoint maximum and
     * during a connect backoff.
     */
    private void connectForWaiters() {
        int perConnection = settings.streamsPerConnection();
        while (!draining && !waiters.isEmpty() && (long) connecting * perConnection < waiters.size()
                && connections.size() < settings.maxConnectionsPerEndpoint()
                && System.nanoTime() >= backoffUntilNanos) {
            connect(waiters.peekLast());
        }
    }

    private void connect(PendingStream pending) {
        Duration timeout = pending.connectTimeout().isZero() ? settings.connectTimeout() : pending.connectTimeout();
        connecting++;
        UpstreamConnection connection = new UpstreamConnection(this, settings.streamsPerConnection());
        ChannelFuture connectFuture = bootstrap.clone(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()))
                .handler(new UpstreamChannelInitializer(connection, settings, keepalive(pending.keepalive())))
                .connect(InetSocketAddress.createUnresolved(address.host(), address.port()));
        connections.add(connection);
        // The backend must answer with SETTINGS within the connect timeout: a TCP listener that is
        // not an HTTP/2 server would otherwise hold calls forever.
        loop.schedule(() -> {
            if (!connection.isReady() && connectFuture.channel().isOpen()) {
                connectFuture.channel().close();
                connectFailed(connection, "no HTTP/2 SETTINGS from " + address + " within "
                        + timeout.toMillis() + " ms (is it an h2c gRPC server?)");
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
        startBackoff(reason);
        if (connecting == 0) {
            failWaiters(reason);
        }
        emptyCheck();
    }

    private void startBackoff(String reason) {
        lastFailure = reason;
        backoffNanos = backoffNanos == 0 ? MIN_BACKOFF_NANOS : Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
        backoffUntilNanos = System.nanoTime() + backoffNanos;
        log.debug("{}; backing off {} ms", reason, TimeUnit.NANOSECONDS.toMillis(backoffNanos));
    }

    /**
     * A ready connection's keepalive found it dead (it is closing, its calls end): like a failed
     * connect, new calls for this endpoint fail over at once until the backoff ends, and the next
     * call after it opens a new connection.
     */
    void connectionDead(UpstreamConnection connection, String reason) {
        startBackoff("connection to " + address + " is dead: " + reason);
    }

    /** The backend objected to our PINGs (GOAWAY "too_many_pings"): ping half as often on new connections. */
    void keepaliveTooFrequent() {
        if (keepaliveDoublings < 16) {
            keepaliveDoublings++;
        }
        log.warn("backend {} sent GOAWAY ENHANCE_YOUR_CALM \"too_many_pings\": new connections to it send keepalive"
                + " PINGs {} times less often (raise the backend's permitted keepalive time, or set spec.keepalive.interval)",
                address, 1 << keepaliveDoublings);
    }

    private Keepalive keepalive(Keepalive requested) {
        return keepaliveDoublings == 0 || !requested.enabled() ? requested
                : new Keepalive(requested.interval().multipliedBy(1L << keepaliveDoublings), requested.timeout());
    }

    void connectionReady(UpstreamConnection connection) {
        connecting--;
        backoffNanos = 0;
        backoffUntilNanos = 0;
        serveWaiters();
    }

    void capacityFreed(UpstreamConnection connection) {
        serveWaiters();
    }

    /** The connection took GOAWAY: waiting calls need another connection. */
    void connectionUnusable(UpstreamConnection connection) {
        connectForWaiters();
    }

    void connectionClosed(UpstreamConnection connection, boolean wasReady) {
        if (!wasReady) {
            connectFailed(connection, "connection to " + address + " closed before HTTP/2 was set up");
            return;
        }
        connections.remove(connection);
        connectForWaiters();
        emptyCheck();
    }

    private void serveWaiters() {
        while (!waiters.isEmpty()) {
            UpstreamConnection withRoom = null;
            for (UpstreamConnection connection : connections) {
                if (connection.hasCapacity()) {
                    withRoom = connection;
                    break;
                }
            }
            if (withRoom == null) {
                connectForWaiters();
                return;
            }
            PendingStream next = waiters.poll();
            if (!next.callback().cancelled()) {
                withRoom.open(next);
            }
        }
    }

    private void failWaiters(String reason) {
        PendingStream pending;
        while ((pending = waiters.poll()) != null) {
            pending.callback().failed(reason);
        }
    }

    /** The endpoint left every balancer: no new streams, connections close when their streams end. */
    void drain() {
        draining = true;
        failWaiters("endpoint " + address + " was removed");
        for (UpstreamConnection connection : List.copyOf(connections)) {
            connection.drain(settings.drainTimeout().toNanos());
        }
        emptyCheck();
    }

    /** Closes every connection now. */
    void closeAll() {
        draining = true;
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
        }
    }

    private void emptyCheck() {
        if (draining && connections.isEmpty() && waiters.isEmpty()) {
            onEmpty.run();
        }
    }
}
