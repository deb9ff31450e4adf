package dev.grpcbalancer;

import dev.grpcbalancer.admin.AdminServer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.metrics.DataPlaneMeters;
import dev.grpcbalancer.metrics.NettyMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every serving command runs: the data plane, the admin server on its own event loop (so
 * probes answer even when the data plane is busy), and the shutdown sequence on SIGTERM:
 * readiness fails, the source stops, calls in flight drain, then the process exits.
 */
final class Serving implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Serving.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    final DataPlane dataPlane;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final EventLoopGroup adminGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("grpc-balancer-admin", true));
    private final AdminServer admin;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Duration drainDelay;
    private volatile boolean sourceReady;
    private volatile boolean shuttingDown;
    private AutoCloseable source;

    Serving(DataPlaneOptions options) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new NettyMemoryMetrics().bindTo(registry);
        if (options.accessLog) {
            enableAccessLog();
        }
        dataPlane = new DataPlane(options.settings(), new DataPlaneMeters(registry, options.endpointMetrics, options.methodMetrics));
        drainDelay = options.drainDelay;
        BooleanSupplier ready = () -> !shuttingDown && sourceReady && dataPlane.isReady();
        Supplier<String> reason = () -> shuttingDown ? "shutting down"
                : !sourceReady ? "no configuration applied yet" : dataPlane.notReadyReason();
        admin = AdminServer.builder(new InetSocketAddress(options.adminAddress, options.adminPort), adminGroup, registry, ready)
                .notReadyReason(reason)
                .jsonRoute("/debug/balancers", () -> debugJson(dataPlane.describe()))
                .build();
    }

    private static void enableAccessLog() {
        org.slf4j.Logger access = LoggerFactory.getLogger("dev.grpcbalancer.access");
        if (access instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(ch.qos.logback.classic.Level.INFO);
        }
    }

    /** The Prometheus registry every part registers its meters in (served at /metrics). */
    PrometheusMeterRegistry registry() {
        return registry;
    }

    private static String debugJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value, e);
        }
    }

    void startAdmin() {
        admin.start();
        log.info("admin endpoints on {}: /healthz /readyz /metrics", admin.localAddress());
    }

    /** The source of snapshots has applied its first one; {@code source} is closed on shutdown. */
    void sourceStarted(AutoCloseable snapshotSource) {
        this.source = snapshotSource;
        this.sourceReady = true;
    }

    /** Blocks until the JVM is asked to stop (SIGTERM, SIGINT), then shuts down gracefully. */
    void awaitShutdown() throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "grpc-balancer-shutdown"));
        stopped.await();
    }

    @Override
    public void close() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        if (!drainDelay.isZero()) {
            log.info("shutting down: /readyz fails now, listeners close in {} ms", drainDelay.toMillis());
            try {
                Thread.sleep(drainDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (source != null) {
                source.close();
            }
        } catch (Exception e) {
            log.warn("closing the configuration source failed: {}", e.toString());
        }
        dataPlane.close();
        admin.close();
        adminGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        stopped.countDown();
    }
}
