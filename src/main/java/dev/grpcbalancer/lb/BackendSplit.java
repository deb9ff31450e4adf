package dev.grpcbalancer.lb;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.EndpointAddress;
import dev.grpcbalancer.snapshot.RouteBackend;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Picks the endpoint of a call on a route with several backends: first a backend by weight
 * ({@link WeightedSplit}: smooth weighted round robin, exact over every period), then an endpoint
 * inside it with that backend's own {@link LoadBalancer}. Immutable, lock-free and safe from any
 * event loop; rebuilt when the route changes.
 *
 * <p>Backends of weight 0 take no calls. A backend with no ready endpoint is left out while
 * another backend has one; when none has, the backends with draining endpoints share the calls;
 * when none has any endpoint, {@link #pick} returns {@code null}. An
 * {@linkplain RouteBackend#isInvalid() invalid} backend keeps its share whatever the others have,
 * and {@link #pick} returns {@code null} for the calls that land on it (GRPCRoute: they fail with
 * UNAVAILABLE).
 */
public final class BackendSplit {

    private final LoadBalancer[] chosen;
    private final WeightedSplit split;

    private BackendSplit(LoadBalancer[] chosen, WeightedSplit split) {
        this.chosen = chosen;
        this.split = split;
    }

    /**
     * @param backends the route's backends
     * @param balancers the load balancer of each backend, in the same order
     */
    public static BackendSplit create(List<RouteBackend> backends, List<LoadBalancer> balancers) {
        requireNonNull(backends, "backends");
        requireNonNull(balancers, "balancers");
        if (backends.size() != balancers.size()) {
            throw new IllegalArgumentException("one load balancer per backend: " + backends.size() + " != " + balancers.size());
        }
        List<Integer> eligible = new ArrayList<>();
        for (int i = 0; i < backends.size(); i++) {
            RouteBackend backend = backends.get(i);
            if (backend.weight() > 0 && backend.endpoints().readyCount() > 0) {
                eligible.add(i);
            }
        }
        if (eligible.isEmpty()) {
            for (int i = 0; i < backends.size(); i++) {
                RouteBackend backend = backends.get(i);
                if (backend.weight() > 0 && !backend.endpoints().isEmpty()) {
                    eligible.add(i);
                }
            }
        }
        for (int i = 0; i < backends.size(); i++) {
            if (backends.get(i).weight() > 0 && backends.get(i).isInvalid()) {
                eligible.add(i);
            }
        }
        LoadBalancer[] chosen = new LoadBalancer[eligible.size()];
        int[] weights = new int[eligible.size()];
        for (int i = 0; i < chosen.length; i++) {
            // An invalid backend's slot stays null: the calls it is given get no endpoint.
            RouteBackend backend = backends.get(eligible.get(i));
            chosen[i] = backend.isInvalid() ? null : requireNonNull(balancers.get(eligible.get(i)), "balancer");
            weights[i] = backend.weight();
        }
        return new BackendSplit(chosen, WeightedSplit.of(weights));
    }

    /**
     * Picks an endpoint for a new call or a retry.
     *
     * @param avoid the endpoint of the failed attempt, or {@code null}: if the backend chosen
     *     can only offer that one, the next backend of the split is asked (once each)
     * @param hashKey the call's ConsistentHash key, or {@code null} (see {@link LoadBalancer#pick})
     * @return the selection to {@link Selection#finish() finish} when the attempt ends, or
     *     {@code null} when no backend has an endpoint or the call landed on an invalid backend
     */
    public Selection pick(EndpointAddress avoid, CharSequence hashKey) {
        return choose(avoid, null, hashKey);
    }

    /**
     * Picks an endpoint for a hedged attempt: one outside {@code avoid} (the endpoints of the call's
     * other attempts) when a backend of the split can offer one, else as {@link #pick} would.
     */
    public Selection pickOther(Collection<EndpointAddress> avoid) {
        return choose(null, avoid, null);
    }

    /** Asks backend after backend of the split until one offers an endpoint outside those avoided. */
    private Selection choose(EndpointAddress avoid, Collection<EndpointAddress> avoidAll, CharSequence hashKey) {
        Selection selection = null;
        for (int tries = 0; tries < chosen.length; tries++) {
            int index = split.next();
            if (index < 0) {
                return null;
            }
            if (selection != null) {
                selection.finish();
            }
            if (chosen[index] == null) {
                return null;
            }
            selection = avoidAll == null ? chosen[index].pick(avoid, hashKey) : chosen[index].pickOther(avoidAll);
            if (selection == null || !(avoidAll == null ? selection.address().equals(avoid)
                    : avoidAll.contains(selection.address()))) {
                return selection;
            }
        }
        return selection;
    }
}
