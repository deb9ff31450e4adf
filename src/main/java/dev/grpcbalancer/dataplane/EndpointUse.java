package dev.grpcbalancer.dataplane;

import dev.grpcbalancer.dataplane.tls.UpstreamTls;
import dev.grpcbalancer.dataplane.upstream.UpstreamKey;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which upstreams (endpoint address and how connections to it are secured) the running balancers
 * use, kept balancer by balancer: publishing one changed balancer among a thousand looks at that
 * balancer's endpoints only, not at every endpoint of every balancer. Updated by the listeners'
 * owner; {@link #live()} may be read from any thread (the upstream pools read it on their event
 * loops).
 */
final class EndpointUse {

    /** Per upstream, how many running balancers use it. */
    private final Map<UpstreamKey, Integer> users = new ConcurrentHashMap<>();
    private final Set<UpstreamKey> live = Collections.unmodifiableSet(users.keySet());
    /** What each balancer was last counted with. Owner only. */
    private final Map<BalancerId, Use> uses = new HashMap<>();

    private record Use(BalancerConfig config, UpstreamTls tls) {
    }

    /**
     * Balancer {@code id} now uses the endpoints of {@code config}, secured as {@code tls};
     * {@code config} null: it is gone. The same config and TLS instances as before cost nothing.
     *
     * @return whether some upstream lost its last user (the pools may close its connections)
     */
    boolean use(BalancerId id, BalancerConfig config, UpstreamTls tls) {
        Use before = uses.get(id);
        if (before != null && before.config == config && before.tls == tls) {
            return false;
        }
        Use after = config == null ? null : new Use(config, tls);
        if (before != null && after != null && sameUpstreams(before, after)) {
            uses.put(id, after); // the same endpoints in the same order, only their states or weights changed
            return false;
        }
        Set<UpstreamKey> old = keys(before);
        Set<UpstreamKey> now = keys(after);
        for (UpstreamKey key : now) {
            if (!old.contains(key)) {
                users.merge(key, 1, Integer::sum);
            }
        }
        boolean dropped = false;
        for (UpstreamKey key : old) {
            if (!now.contains(key)) {
                dropped |= users.computeIfPresent(key, (k, count) -> count == 1 ? null : count - 1) == null;
            }
        }
        if (after == null) {
            uses.remove(id);
        } else {
            uses.put(id, after);
        }
        return dropped;
    }

    /** The upstreams some running balancer uses: a live view, safe to read from any thread. */
    Set<UpstreamKey> live() {
        return live;
    }

    /** Whether two uses have the same addresses in the same order over the same TLS: no upstream comes or goes. */
    private static boolean sameUpstreams(Use a, Use b) {
        if (!Objects.equals(a.tls, b.tls)) {
            return false;
        }
        List<Endpoint> x = a.config.allEndpoints();
        List<Endpoint> y = b.config.allEndpoints();
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (x.get(i).port() != y.get(i).port() || !x.get(i).host().equals(y.get(i).host())) {
                return false;
            }
        }
        return true;
    }

    private static Set<UpstreamKey> keys(Use use) {
        if (use == null) {
            return Set.of();
        }
        Set<UpstreamKey> keys = new HashSet<>();
        for (Endpoint endpoint : use.config.allEndpoints()) {
            keys.add(new UpstreamKey(endpoint.address(), use.tls));
        }
        return keys;
    }
}
