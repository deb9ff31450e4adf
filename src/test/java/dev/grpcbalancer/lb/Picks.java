package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Endpoint;
import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.EndpointState;
import dev.grpcbalancer.snapshot.HealthCheck;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.OutlierDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** Builds balancers over plain endpoint lists and picks from them the way calls do, for the policy tests. */
final class Picks {

    private Picks() {
    }

    /** {@code 10.0.0.i:50051} for i = 1.. with the given weights, all ready. */
    static BackendSet weighted(int... weights) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            endpoints.add(new Endpoint("10.0.0." + (i + 1), 50051, weights[i], EndpointState.READY));
        }
        return new BackendSet(endpoints);
    }

    /** {@code n} ready endpoints of weight 1. */
    static BackendSet uniform(int n) {
        int[] weights = new int[n];
        Arrays.fill(weights, 1);
        return weighted(weights);
    }

    /** The address of the {@code i}-th endpoint (from 0) of {@code backends}. */
    static EndpointAddress address(BackendSet backends, int i) {
        return backends.endpoints().get(i).address();
    }

    /** A balancer without outlier detection, with the given panic threshold, slow start and clock. */
    static LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends, LoadBalancer previous, int panicPercent,
            Duration slowStart, LongSupplier clock) {
        HealthCheck health = new HealthCheck(false, "", Duration.ofSeconds(1), Duration.ofSeconds(1), 1, 1, panicPercent);
        return LoadBalancers.create(policy, backends, previous, OutlierDetection.DISABLED, health, slowStart, clock);
    }

    /** A balancer with the defaults (panic threshold 50 %, no slow start) on the system clock. */
    static LoadBalancer create(LoadBalancingPolicy policy, BackendSet backends) {
        return LoadBalancer.create(policy, backends, null);
    }

    /** The endpoints of {@code n} calls in order, each finished before the next is picked. */
    static List<EndpointAddress> sequence(LoadBalancer balancer, int n) {
        List<EndpointAddress> picked = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Selection selection = balancer.pick(null);
            picked.add(selection.endpoint().address());
            selection.finish();
        }
        return picked;
    }

    /** Calls per endpoint over {@code n} calls, each finished before the next is picked. */
    static Map<EndpointAddress, Long> counts(LoadBalancer balancer, int n) {
        return counts(balancer, n, null);
    }

    /** Like {@link #counts(LoadBalancer, int)}, every call avoiding {@code avoid}. */
    static Map<EndpointAddress, Long> counts(LoadBalancer balancer, int n, EndpointAddress avoid) {
        Map<EndpointAddress, Long> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Selection selection = balancer.pick(avoid);
            counts.merge(selection.endpoint().address(), 1L, Long::sum);
            selection.finish();
        }
        return counts;
    }

    /** Picks until {@code address} comes up and returns that selection, unfinished; the others are finished. */
    static Selection until(LoadBalancer balancer, EndpointAddress address) {
        for (int i = 0; i < 10_000; i++) {
            Selection selection = balancer.pick(null);
            if (selection.endpoint().address().equals(address)) {
                return selection;
            }
            selection.finish();
        }
        throw new AssertionError(address + " never picked");
    }

    /** {@code calls} calls left in flight on {@code address}. */
    static List<Selection> hold(LoadBalancer balancer, EndpointAddress address, int calls) {
        List<Selection> held = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            held.add(until(balancer, address));
        }
        return held;
    }
}
