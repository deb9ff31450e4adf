package dev.grpcbalancer.admin;

import static java.util.Objects.requireNonNull;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP/1.1 endpoint (default port 9901 in the CLI): {@code GET /healthz} (liveness,
 * always {@code 200 ok}), {@code GET /readyz} ({@code 200 ready} or {@code 503 not ready: <reason>}),
 * {@code GET /metrics} (Prometheus text format 0.0.4) and any extra JSON routes registered on the
 * {@link Builder}. An unknown path answers 404, another method on a known path 405.
 *
 * <p>Threads: the server runs on the {@link EventLoopGroup} its caller passes in and never creates
 * threads of its own. Every supplier given to it (readiness, reason, JSON bodies, and the gauges of
 * the meter registry) is called on an event loop, so it must answer from memory and never block.
 *
 * <p>Lifecycle: {@link #start()} once, then {@link #close()} (idempotent). Neither may be called from
 * an event loop, because both wait for the socket operation to finish.
 */
public final class AdminServer implements AutoCloseable {

    /** Content type of {@code /metrics}: the Prometheus text exposition format 0.0.4. */
    public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final Set<String> BUILT_IN_PATHS = Set.of("/healthz", "/readyz", "/metrics");
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final InetSocketAddress bindAddress;
    private final EventLoopGroup group;
    private final AdminHandler handler;
    private final ChannelGroup connections;
    private Channel serverChannel;
    private boolean closed;

    private AdminServer(Builder builder) {
        this.bindAddress = builder.bindAddress;
        this.group = builder.group;
        this.handler = new AdminHandler(routes(builder));
        this.connections = new DefaultChannelGroup("admin-connections", group.next());
    }

    /**
     * Starts building an admin server.
     *
     * @param bindAddress where to listen; port 0 picks a free port (see {@link #port()})
     * @param group the event loops to accept and serve connections on; owned by the caller
     * @param registry the registry {@code /metrics} scrapes
     * @param ready whether the process is ready to serve traffic, asked on every {@code /readyz}
     */
    public static Builder builder(InetSocketAddress bindAddress, EventLoopGroup group,
            PrometheusMeterRegistry registry, BooleanSupplier ready) {
        return new Builder(bindAddress, group, registry, ready);
    }

    private static Map<String, AdminRoute> routes(Builder builder) {
        Map<String, AdminRoute> routes = new LinkedHashMap<>();
        routes.put("/healthz", () -> AdminResponse.text(HttpResponseStatus.OK, "ok"));
        routes.put("/readyz", readiness(builder.ready, builder.notReadyReason));
        PrometheusMeterRegistry registry = builder.registry;
        routes.put("/metrics",
                () -> new AdminResponse(HttpResponseStatus.OK, PROMETHEUS_CONTENT_TYPE,
                        registry.scrape(PROMETHEUS_CONTENT_TYPE)));
        builder.jsonRoutes.forEach((path, body) ->
                routes.put(path, () -> new AdminResponse(HttpResponseStatus.OK, AdminResponse.JSON,
                        requireNonNull(body.get(), () -> "JSON route " + path + " returned null"))));
        return routes;
    }

    private static AdminRoute readiness(BooleanSupplier ready, Supplier<String> reason) {
        return () -> {
            boolean isReady;
            try {
                isReady = ready.getAsBoolean();
            } catch (RuntimeException e) {
                log.warn("readiness check failed", e);
                return AdminResponse.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "not ready: readiness check failed");
            }
            if (isReady) {
                return AdminResponse.text(HttpResponseStatus.OK, "ready");
            }
            return AdminResponse.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "not ready: " + reason.get());
        };
    }

    /**
     * Binds the listening socket and returns once it is bound.
     *
     * @throws IllegalStateException if the server was already started or closed, or if the address
     *     cannot be bound (the message names the port; the cause is the transport's exception)
     */
    public synchronized void start() {
        if (closed || serverChannel != null) {
            throw new IllegalStateException("admin server was already started");
        }
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(ServerChannels.typeFor(group))
                .option(ChannelOption.SO_BACKLOG, 64)
                .childHandler(new AdminChannelInitializer(handler, connections))
                .bind(bindAddress)
                .awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new IllegalStateException("admin server cannot listen on port " + bindAddress.getPort()
                    + " of " + bindAddress.getHostString() + ": " + bind.cause().getMessage(), bind.cause());
        }
        serverChannel = bind.channel();
        log.info("admin server listening on {}", serverChannel.localAddress());
    }

    /**
     * The address the server is bound to (with the real port when it was started on port 0).
     *
     * @throws IllegalStateException if the server is not running
     */
    public synchronized InetSocketAddress localAddress() {
        if (serverChannel == null || closed) {
            throw new IllegalStateException("admin server is not running");
        }
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * The bound port (the real one when it was started on port 0).
     *
     * @throws IllegalStateException if the server is not running
     */
    public int port() {
        return localAddress().getPort();
    }

    /**
     * Closes the listening socket and every open admin connection, and waits (a few seconds at most)
     * until they are closed. Does not touch the event loop group. Safe to call more than once. (With
     * the NIO transport the operating system may free the port a moment after this returns.)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel == null) {
            return;
        }
        // Stop accepting first, so no connection is added to the group while it is being closed.
        boolean done = serverChannel.close().awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
        done &= connections.close().awaitUninterruptibly(CLOSE_TIMEOUT.toMillis());
        if (!done) {
            log.warn("admin server on {} did not close within {}", bindAddress, CLOSE_TIMEOUT);
        }
    }

    /** Collects the settings of an {@link AdminServer}; not thread-safe, use it from one thread. */
    public static final class Builder {

        private final InetSocketAddress bindAddress;
        private final EventLoopGroup group;
        private final PrometheusMeterRegistry registry;
        private final BooleanSupplier ready;
        private Supplier<String> notReadyReason = () -> "starting";
        private final Map<String, Supplier<String>> jsonRoutes = new LinkedHashMap<>();

        private Builder(InetSocketAddress bindAddress, EventLoopGroup group,
                PrometheusMeterRegistry registry, BooleanSupplier ready) {
            this.bindAddress = requireNonNull(bindAddress, "bindAddress");
            this.group = requireNonNull(group, "group");
            this.registry = requireNonNull(registry, "registry");
            this.ready = requireNonNull(ready, "ready");
        }

        /**
         * Sets the short reason {@code /readyz} gives while not ready, for example
         * {@code "no routing snapshot yet"}; asked only when not ready. Default: {@code "starting"}.
         */
        public Builder notReadyReason(Supplier<String> reason) {
            this.notReadyReason = requireNonNull(reason, "reason");
            return this;
        }

        /**
         * Adds {@code GET path} answering {@code 200} with the JSON the supplier returns
         * ({@code application/json; charset=utf-8}); if it throws, the answer is 500 and the error
         * is logged.
         *
         * @param path an absolute path such as {@code /debug/balancers}, without query or fragment,
         *     not one of the built-in paths and not added before
         */
        public Builder jsonRoute(String path, Supplier<String> jsonBody) {
            requireNonNull(path, "path");
            requireNonNull(jsonBody, "jsonBody");
            if (!path.startsWith("/") || path.contains("?") || path.contains("#")) {
                throw new IllegalArgumentException("admin path must start with / and have no query: " + path);
            }
            if (BUILT_IN_PATHS.contains(path) || jsonRoutes.containsKey(path)) {
                throw new IllegalArgumentException("admin path already taken: " + path);
            }
            jsonRoutes.put(path, jsonBody);
            return this;
        }

        /** Builds a server that is not started yet. */
        public AdminServer build() {
            return new AdminServer(this);
        }
    }
}
