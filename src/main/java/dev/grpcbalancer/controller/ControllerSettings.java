package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * How the controller runs.
 *
 * @param namespaces the namespaces watched when {@code allNamespaces} is false (at least one)
 * @param controllerNamespace where the controller keeps managed Services and its Lease
 * @param identity this replica's name in the Lease (the pod name) and in Events
 * @param leaderElection when false this replica always writes (one replica only)
 * @param podSelector labels of the balancer pods; managed Services select them. Empty: no
 *     managed Services (a warning says so)
 * @param holdOff the least time between the starts of two reconcile runs: a change after a quiet spell
 *     runs at once, the rest of a burst waits for the next run
 * @param statusBatch how long status writes collect before they go out
 * @param recheck how often the loop runs without a change (listener states, missed writes)
 * @param gatewayApi whether Gateways and GRPCRoutes are served where the cluster has the Gateway
 *     API CRDs (false: the controller never asks, needing no RBAC for them)
 */
public record ControllerSettings(
        Set<String> namespaces, boolean allNamespaces, String controllerNamespace, String identity,
        boolean leaderElection, String leaseName, LeaseTimings leaseTimings, Map<String, String> podSelector,
        Duration holdOff, Duration statusBatch, Duration recheck, boolean gatewayApi) {

    /** Lease timings of the leader election (client-go's defaults: 15 s, 10 s, 2 s). */
    public record LeaseTimings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {

        public static final LeaseTimings DEFAULT =
                new LeaseTimings(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));

        public LeaseTimings {
            requireNonNull(leaseDuration, "leaseDuration");
            requireNonNull(renewDeadline, "renewDeadline");
            requireNonNull(retryPeriod, "retryPeriod");
            if (renewDeadline.compareTo(leaseDuration) >= 0 || retryPeriod.compareTo(renewDeadline) >= 0) {
                throw new IllegalArgumentException("need retryPeriod < renewDeadline < leaseDuration: " + this);
            }
        }
    }

    public ControllerSettings {
        namespaces = Set.copyOf(requireNonNull(namespaces, "namespaces"));
        requireNonNull(controllerNamespace, "controllerNamespace");
        requireNonNull(identity, "identity");
        requireNonNull(leaseName, "leaseName");
        requireNonNull(leaseTimings, "leaseTimings");
        podSelector = Map.copyOf(requireNonNull(podSelector, "podSelector"));
        requireNonNull(holdOff, "holdOff");
        requireNonNull(statusBatch, "statusBatch");
        requireNonNull(recheck, "recheck");
        if (!allNamespaces && namespaces.isEmpty()) {
            throw new IllegalArgumentException("watch at least one namespace, or all namespaces");
        }
    }

    /** Watches {@code controllerNamespace} only, with leader election and default timings. */
    public static ControllerSettings defaults(String controllerNamespace, String identity) {
        return new ControllerSettings(Set.of(controllerNamespace), false, controllerNamespace, identity, true,
                "grpc-balancer", LeaseTimings.DEFAULT, Map.of(), Duration.ofMillis(10), Duration.ofMillis(200),
                Duration.ofSeconds(5), true);
    }

    public ControllerSettings withNamespaces(Set<String> newNamespaces) {
        return new ControllerSettings(newNamespaces, false, controllerNamespace, identity, leaderElection, leaseName,
                leaseTimings, podSelector, holdOff, statusBatch, recheck, gatewayApi);
    }

    public ControllerSettings withAllNamespaces() {
        return new ControllerSettings(Set.of(), true, controllerNamespace, identity, leaderElection, leaseName,
                leaseTimings, podSelector, holdOff, statusBatch, recheck, gatewayApi);
    }

    public ControllerSettings withLeaderElection(boolean enabled, String newLeaseName, LeaseTimings timings) {
        return new ControllerSettings(namespaces, allNamespaces, controllerNamespace, identity, enabled, newLeaseName,
                timings, podSelector, holdOff, statusBatch, recheck, gatewayApi);
    }

    public ControllerSettings withPodSelector(Map<String, String> selector) {
        return new ControllerSettings(namespaces, allNamespaces, controllerNamespace, identity, leaderElection,
                leaseName, leaseTimings, selector, holdOff, statusBatch, recheck, gatewayApi);
    }

    public ControllerSettings withRecheck(Duration newRecheck) {
        return new ControllerSettings(namespaces, allNamespaces, controllerNamespace, identity, leaderElection,
                leaseName, leaseTimings, podSelector, holdOff, statusBatch, newRecheck, gatewayApi);
    }

    /** Whether Gateways and GRPCRoutes are served (when the cluster has their CRDs). */
    public ControllerSettings withGatewayApi(boolean serve) {
        return new ControllerSettings(namespaces, allNamespaces, controllerNamespace, identity, leaderElection,
                leaseName, leaseTimings, podSelector, holdOff, statusBatch, recheck, serve);
    }
}
