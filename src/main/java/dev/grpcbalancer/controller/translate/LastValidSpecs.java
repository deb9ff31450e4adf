package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.snapshot.BalancerId;
import java.util.HashMap;
import java.util.Map;

/**
 * The last valid spec of each balancer, which {@link ClusterTranslator} runs while an edit is
 * invalid: kept by the caller between runs, as a whole map ({@link #after}) or updated in place for
 * what a run changed ({@link #update}).
 */
public final class LastValidSpecs {

    private LastValidSpecs() {
    }

    /**
     * The last valid specs after {@code result}: a valid balancer's resource replaces its entry, an
     * invalid one that still serves keeps the previous entry, every other balancer leaves the map.
     */
    public static Map<BalancerId, GrpcBalancer> after(ClusterTranslator.Result result, Map<BalancerId, GrpcBalancer> previous) {
        Map<BalancerId, GrpcBalancer> next = new HashMap<>();
        for (BalancerOutcome outcome : result.outcomes().values()) {
            GrpcBalancer valid = after(outcome, previous.get(outcome.id()));
            if (valid != null) {
                next.put(outcome.id(), valid);
            }
        }
        return next;
    }

    /**
     * {@link #after} in place, for the balancers {@code result} changed or removed
     * only: {@code lastValid} must hold the last valid specs after the result before. The others'
     * entries stand: an outcome that is the same instance was made from the same spec.
     */
    public static void update(ClusterTranslator.Result result, Map<BalancerId, GrpcBalancer> lastValid) {
        for (BalancerId id : result.removed()) {
            lastValid.remove(id);
        }
        for (BalancerId id : result.changed()) {
            GrpcBalancer valid = after(result.outcomes().get(id), lastValid.get(id));
            if (valid == null) {
                lastValid.remove(id);
            } else {
                lastValid.put(id, valid);
            }
        }
    }

    /** The last valid spec after {@code outcome}, given the one before (null: none). */
    private static GrpcBalancer after(BalancerOutcome outcome, GrpcBalancer before) {
        if (outcome.isValid()) {
            return outcome.resource();
        }
        return before != null && ClusterTranslator.sameUid(before, outcome.resource()) ? before : null;
    }
}
