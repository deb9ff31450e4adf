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
        if (before != null && after != null && Objects.equals(before.tls, tls)) {
            List<Endpoint> was = before.config.allEndpoints();
            List<Endpoint> is = config.allEndpoints();
            if (ascending(was) && ascending(is)) {
                uses.put(id, after);
                return mergeWalk(was, is, tls);
            }
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

    /**
     * Counts the addresses only {@code is} has and releases those only {@code was} has, walking
     * both lists (each in address order) side by side: an endpoint that changed only its state or
     * weight, the common change, builds nothing.
     */
    private boolean mergeWalk(List<Endpoint> was, List<Endpoint> is, UpstreamTls tls) {
        boolean dropped = false;
        int i = 0;
        int j = 0;
        while (i < was.size() || j < is.size()) {
            int order = i == was.size() ? 1 : j == is.size() ? -1 : compare(was.get(i), is.get(j));
            if (order == 0) {
                i++;
                j++;
            } else if (order < 0) {
                UpstreamKey gone = new UpstreamKey(was.get(i++).address(), tls);
                dropped |= users.computeIfPresent(gone, (k, count) -> count == 1 ? null : count - 1) == null;
            } else {
                users.merge(new UpstreamKey(is.get(j++).address(), tls), 1, Integer::sum);
            }
        }
        return dropped;
    }

    /** The canonical endpoint order of the sources (host, then port), each address once. */
    private static int compare(Endpoint a, Endpoint b) {
        int byHost = a.host().compareTo(b.host());
        return byHost != 0 ? byHost : Integer.compare(a.port(), b.port());
    }

    private static boolean ascending(List<Endpoint> endpoints) {
        for (int i = 1; i < endpoints.size(); i++) {
            if (compare(endpoints.get(i - 1), endpoints.get(i)) >= 0) {
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
