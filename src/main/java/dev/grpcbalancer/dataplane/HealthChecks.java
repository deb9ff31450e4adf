package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.BalancerRuntime;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.HealthCheck;
import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checking of one balancer's endpoints: every interval each endpoint is asked
 * {@code grpc.health.v1.Health/Check} over the data plane's own upstream connections (see
 * {@link HealthProbe}); thresholds of failed and passed checks in a row turn the endpoint's
 * verdict in the load balancer. All state is confined to one event loop.
 */
final class HealthChecks {

    private static final Logger log = LoggerFactory.getLogger(HealthChecks.class);

    private final EventLoop loop;
    private final UpstreamPools pools;
    private final Supplier<BalancerRuntime> runtime;
    private final Map<EndpointAddress, EndpointCheck> checks = new HashMap<>();
    private HealthCheck settings = HealthCheck.DEFAULT;
    private BalancerConfig config;
    private boolean stopped;

    HealthChecks(EventLoop loop, UpstreamPools pools, Supplier<BalancerRuntime> runtime) {
        this.loop = loop;
        this.pools = pools;
        this.runtime = runtime;
    }

    /** Checks the endpoints of the balancer's current config, with its settings. Any thread. */
    void update() {
        loop.execute(this::reconcile);
    }

    /** Stops every check. Any thread. */
    void stop() {
        loop.execute(() -> {
            stopped = true;
            checks.values().forEach(EndpointCheck::cancel);
            checks.clear();
        });
    }

    private void reconcile() {
        if (stopped) {
            return;
        }
        BalancerRuntime current = runtime.get();
        config = current.config();
        HealthCheck next = config.healthCheck();
        boolean changed = !next.equals(settings);
        settings = next;
        Set<EndpointAddress> live = new HashSet<>();
        if (next.active()) {
            for (Endpoint endpoint : config.backends().endpoints()) {
                live.add(endpoint.address());
            }
        }
        for (EndpointCheck check : List.copyOf(checks.values())) {
            if (changed || !live.contains(check.address)) {
                check.cancel();
                checks.remove(check.address);
                current.loadBalancer().setHealthy(check.address, true);
            }
        }
        for (EndpointAddress address : live) {
            checks.computeIfAbsent(address, a -> {
                EndpointCheck check = new EndpointCheck(a);
                check.schedule(0);
                return check;
            });
        }
    }

    /** The checks of one endpoint: its counters and next probe. */
    private final class EndpointCheck {
        private final EndpointAddress address;
        private int passedInARow;
        private int failedInARow;
        private boolean healthy = true;
        private io.netty.util.concurrent.ScheduledFuture<?> next;
        private HealthProbe probe;
        private boolean cancelled;

        EndpointCheck(EndpointAddress address) {
            this.address = address;
        }

        void schedule(long delayNanos) {
            next = loop.schedule(this::probe, delayNanos, TimeUnit.NANOSECONDS);
        }

        private void probe() {
            if (cancelled) {
                return;
            }
            probe = HealthProbe.start(loop, pools, address, settings.service(), settings.timeout(),
                    config.timeouts().connect(), this::result);
        }

        private void result(boolean passed, String detail) {
            probe = null;
            if (cancelled) {
                return;
            }
            LoadBalancer balancer = runtime.get().loadBalancer();
            if (passed) {
                failedInARow = 0;
                passedInARow++;
                if (!healthy && passedInARow >= settings.healthyThreshold()) {
                    healthy = true;
                    balancer.setHealthy(address, true);
                    log.info("[{}] endpoint {} is healthy again", config.id(), address);
                }
            } else {
                passedInARow = 0;
                failedInARow++;
                if (healthy && failedInARow >= settings.unhealthyThreshold()) {
                    healthy = false;
                    balancer.setHealthy(address, false);
                    log.warn("[{}] endpoint {} is unhealthy after {} failed checks: {}", config.id(), address,
                            failedInARow, detail);
                }
            }
            schedule(settings.interval().toNanos());
        }

        void cancel() {
            cancelled = true;
            if (next != null) {
                next.cancel(false);
            }
            if (probe != null) {
                probe.cancel();
            }
        }
    }
}
