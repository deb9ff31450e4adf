package dev.grpcbalancer.standalone;

import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** One-line, human-readable summary of what changed between two snapshots, for the reload log line. */
final class SnapshotDiff {

    /** Endpoint changes listed per balancer before the rest is only counted. */
    private static final int MAX_LISTED = 5;

    private SnapshotDiff() {
    }

    static String describe(RoutingSnapshot before, RoutingSnapshot after) {
        Map<BalancerId, BalancerConfig> old = before.byId();
        Map<BalancerId, BalancerConfig> now = after.byId();
        TreeSet<BalancerId> ids = new TreeSet<>(old.keySet());
        ids.addAll(now.keySet());
        List<String> parts = new ArrayList<>();
        for (BalancerId id : ids) {
            BalancerConfig was = old.get(id);
            BalancerConfig is = now.get(id);
            if (was == null) {
                parts.add("added " + id + " (port " + is.listenerPort() + ", " + is.policy() + ", "
                        + count(is.backends().endpoints().size()) + ")");
            } else if (is == null) {
                parts.add("removed " + id);
            } else if (!was.equals(is)) {
                parts.add("changed " + id + " (" + String.join(", ", changes(was, is)) + ")");
            }
        }
        return parts.isEmpty() ? "no changes" : String.join("; ", parts);
    }

    private static List<String> changes(BalancerConfig was, BalancerConfig is) {
        List<String> changes = new ArrayList<>();
        if (was.listenerPort() != is.listenerPort()) {
            changes.add("port " + was.listenerPort() + " -> " + is.listenerPort());
        }
        if (was.policy() != is.policy()) {
            changes.add("policy " + was.policy() + " -> " + is.policy());
        }
        if (was.generation() != is.generation()) {
            changes.add("generation " + was.generation() + " -> " + is.generation());
        }
        addIfChanged(changes, "retry", was.retry(), is.retry());
        addIfChanged(changes, "timeouts", was.timeouts(), is.timeouts());
        addIfChanged(changes, "outlierDetection", was.outlierDetection(), is.outlierDetection());
        addIfChanged(changes, "healthCheck", was.healthCheck(), is.healthCheck());
        addIfChanged(changes, "slowStart", was.slowStartWindow(), is.slowStartWindow());
        addIfChanged(changes, "listener TLS", was.listenerTls(), is.listenerTls());
        addIfChanged(changes, "backend TLS", was.backendTls(), is.backendTls());
        Map<EndpointAddress, Endpoint> old = byAddress(was.backends().endpoints());
        Map<EndpointAddress, Endpoint> now = byAddress(is.backends().endpoints());
        List<String> endpoints = new ArrayList<>();
        now.forEach((address, endpoint) -> {
            Endpoint previous = old.get(address);
            if (previous == null) {
                endpoints.add("+" + endpoint);
            } else if (!previous.equals(endpoint)) {
                endpoints.add(previous + " -> " + endpoint);
            }
        });
        old.keySet().stream().filter(a -> !now.containsKey(a)).forEach(a -> endpoints.add("-" + a));
        if (endpoints.size() > MAX_LISTED) {
            int more = endpoints.size() - MAX_LISTED;
            endpoints.subList(MAX_LISTED, endpoints.size()).clear();
            endpoints.add("and " + more + " more endpoint changes");
        }
        changes.addAll(endpoints);
        return changes;
    }

    private static void addIfChanged(List<String> changes, String section, Object was, Object is) {
        if (!was.equals(is)) {
            changes.add(section + " settings");
        }
    }

    private static Map<EndpointAddress, Endpoint> byAddress(List<Endpoint> endpoints) {
        Map<EndpointAddress, Endpoint> byAddress = new LinkedHashMap<>();
        endpoints.forEach(e -> byAddress.put(e.address(), e));
        return byAddress;
    }

    private static String count(int endpoints) {
        return endpoints + (endpoints == 1 ? " endpoint" : " endpoints");
    }
}
