package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import java.util.Collection;

/**
 * The GrpcBalancers a translation reads: every one, or one by namespace and name (an informer's
 * store, or a plain list in tests).
 */
public interface BalancerSource {

    /** Every GrpcBalancer seen, in any order. */
    Collection<GrpcBalancer> all();

    /** The GrpcBalancer {@code namespace/name}, or {@code null} when it does not exist. */
    GrpcBalancer balancer(String namespace, String name);

    /**
     * Whether the {@code changed} refs given with each run name every GrpcBalancer added, changed
     * or deleted since the run before ({@link InputRef#grpcBalancer}): then a run looks up only
     * the balancers the changes concern, not every one.
     */
    boolean changesReported();

    /** A plain list whose changes are not reported: every run looks at every balancer. */
    static BalancerSource listed(Collection<GrpcBalancer> balancers) {
        requireNonNull(balancers, "balancers");
        return new BalancerSource() {
            @Override
            public Collection<GrpcBalancer> all() {
                return balancers;
            }

            @Override
            public GrpcBalancer balancer(String namespace, String name) {
                return balancers.stream().filter(balancer -> balancer.getMetadata() != null
                        && namespace.equals(balancer.getMetadata().getNamespace())
                        && name.equals(balancer.getMetadata().getName())).findFirst().orElse(null);
            }

            @Override
            public boolean changesReported() {
                return false;
            }
        };
    }
}
