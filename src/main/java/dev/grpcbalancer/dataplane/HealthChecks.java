package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.call.RouteRuntime;
import dev.grpcbalancer.dataplane.upstream.UpstreamPools;
import dev.grpcbalancer.lb.LoadBalancer;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.RouteBackend;
import dev.grpcbalancer.snapshot.RoutePolicy;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checking of one balancer's endpoints, per route backend (endpoint set): every
 * interval each endpoint of a backend whose route has active checks is asked
 * {@code grpc.health.v1.Health/Check} over the data plane's own upstream connections (see
 * {@link HealthProbe}); thresholds of failed and passed checks in a row turn the endpoint's
 * verdict in that backend's load balancer. All state is confined to one event loop.
 */
final class HealthChecks {

    private static final Logger log = LoggerFactory.getLogger(HealthChecks.class);

    /** One endpoint of one backend of one route: what a check is for. */
    private record Target(String route, String backend, EndpointAddress address) {

        @Override
        public String toString() {
            return address + (Route.DEFAULT_NAME.equals(route) ? "" : " (rule " + route + ", backend " + backend + ")");
        }
    }

    private final EventLoop loop;
    private final UpstreamPools pools;
    private final Supplier<BalancerRuntime> runtime;
    private final Map<Target, EndpointCheck> checks = new HashMap<>();
    private BalancerId id;
    private boolean stopped;

    HealthChecks(EventLoop loop, UpstreamPools pools, Supplier<BalancerRuntime> runtime) {
        this.loop = loop;
        this.pools = pools;
        this.runtime = runtime;
    }

    /** Checks the endpoints of the balancer's current config, with each route's settings. Any thread. */
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
        id = current.config().id();
        Map<Target, RoutePolicy> live = new HashMap<>();
        for (RouteRuntime route : current.routes()) {
            if (!route.policy().healthCheck().active()) {
                continue;
            }
            for (RouteBackend backend : route.route().backends()) {
                for (Endpoint endpoint : backend.endpoints().endpoints()) {
                    live.put(new Target(route.name(), backend.name(), endpoint.address()), route.policy());
                }
            }
        }
        for (EndpointCheck check : List.copyOf(checks.values())) {
            RoutePolicy policy = live.get(check.target);
            if (policy == null || !policy.healthCheck().equals(check.settings)
                    || !policy.timeouts().connect().equals(check.connectTimeout)) {
                check.cancel();
                checks.remove(check.target);
                LoadBalancer balancer = current.balancer(check.target.route(), check.target.backend());
                if (balancer != null) {
                    balancer.setHealthy(check.target.address(), true);
                }
            }
        }
        live.forEach((target, policy) -> checks.computeIfAbsent(target, t -> {
            EndpointCheck check = new EndpointCheck(t, policy.healthCheck(), policy.timeouts().connect());
            check.schedule(0);
            return check;
        }));
    }

    /** The checks of one endpoint of one backend: its counters and next probe. */
    private final class EndpointCheck {
        private final Target target;
        private final HealthCheck settings;
        private final Duration connectTimeout;
        private int passedInARow;
        private int failedInARow;
        private boolean healthy = true;
        private io.netty.util.concurrent.ScheduledFuture<?> next;
        private HealthProbe probe;
        private boolean cancelled;

        EndpointCheck(Target target, HealthCheck settings, Duration connectTimeout) {
            this.target = target;
            this.settings = settings;
            this.connectTimeout = connectTimeout;
        }

        void schedule(long delayNanos) {
            next = loop.schedule(this::probe, delayNanos, TimeUnit.NANOSECONDS);
        }

        private void probe() {
            if (cancelled) {
                return;
            }
            probe = HealthProbe.start(loop, pools, target.address(), runtime.get().upstreamTls(), settings.service(),
                    settings.timeout(), connectTimeout, this::result);
        }

        private void result(boolean passed, String detail) {
            probe = null;
            if (cancelled) {
                return;
            }
            LoadBalancer balancer = runtime.get().balancer(target.route(), target.backend());
            if (passed) {
                failedInARow = 0;
                passedInARow++;
                if (!healthy && passedInARow >= settings.healthyThreshold()) {
                    healthy = true;
                    if (balancer != null) {
                        balancer.setHealthy(target.address(), true);
                    }
                    log.info("[{}] endpoint {} is healthy again", id, target);
                }
            } else {
                passedInARow = 0;
                failedInARow++;
                if (healthy && failedInARow >= settings.unhealthyThreshold()) {
                    healthy = false;
                    if (balancer != null) {
                        balancer.setHealthy(target.address(), false);
                    }
                    log.warn("[{}] endpoint {} is unhealthy after {} failed checks: {}", id, target,
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
