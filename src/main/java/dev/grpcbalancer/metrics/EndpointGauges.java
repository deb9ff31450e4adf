package dev.grpcbalancer.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The endpoint gauges of one route of a balancer (tags {@code balancer}, {@code route}), without
 * per-endpoint labels, so they are kept for every balancer: what dashboards show as "endpoints
 * ready/total" and what the no-ready-endpoints alert reads.
 * <ul>
 *   <li>{@code grpcbalancer_endpoints{state="ready"|"draining"}}: the snapshot's endpoints;</li>
 *   <li>{@code grpcbalancer_endpoints_available}: ready and neither ejected nor unhealthy, the
 *       endpoints new calls go to (0 means the route's calls fail or go to failing endpoints);</li>
 *   <li>{@code grpcbalancer_endpoints_ejected}, {@code grpcbalancer_endpoints_unhealthy}: ejected
 *       by outlier detection, failing active health checks, now.</li>
 * </ul>
 */
final class EndpointGauges {

    private EndpointGauges() {
    }

    static List<Meter> register(MeterRegistry registry, Tags tags, BalancerMeters.EndpointCounter counter, String route) {
        return List.of(
                gauge(registry, "grpcbalancer.endpoints", tags.and("state", "ready"), counter, route, EndpointCounts::ready,
                        "Endpoints of the route in the routing snapshot, by state"),
                gauge(registry, "grpcbalancer.endpoints", tags.and("state", "draining"), counter, route,
                        EndpointCounts::draining, "Endpoints of the route in the routing snapshot, by state"),
                gauge(registry, "grpcbalancer.endpoints.available", tags, counter, route, EndpointCounts::available,
                        "Ready endpoints of the route that take new calls (not ejected, not failing health checks)"),
                gauge(registry, "grpcbalancer.endpoints.ejected", tags, counter, route, EndpointCounts::ejected,
                        "Endpoints of the route that outlier detection has ejected now"),
                gauge(registry, "grpcbalancer.endpoints.unhealthy", tags, counter, route, EndpointCounts::unhealthy,
                        "Endpoints of the route whose active health check fails now"));
    }

    private static Meter gauge(MeterRegistry registry, String name, Tags tags, BalancerMeters.EndpointCounter counter,
            String route, ToIntFunction<EndpointCounts> field, String description) {
        return Gauge.builder(name, counter, c -> field.applyAsInt(c.count(route))).tags(tags).description(description)
                .register(registry);
    }
}
