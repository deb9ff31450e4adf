package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.EndpointAddress;
import java.util.HashMap;
import java.util.Map;

/** Counts where a balancer sends calls that end at once. */
final class Picks {

    private Picks() {
    }

    /** {@code n} picks without a key or an endpoint to avoid, each finished at once, counted by endpoint. */
    static Map<EndpointAddress, Long> count(LoadBalancer balancer, int n) {
        Map<EndpointAddress, Long> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Selection selection = balancer.pick(null);
            counts.merge(selection.endpoint().address(), 1L, Long::sum);
            selection.finish();
        }
        return counts;
    }
}
