package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BackendSet;
import java.util.List;

/**
 * What a {@code spec.backendRef} resolved to ({@link ServiceBackends#resolve}): the backends to
 * balance over, or why there are none to look for.
 */
public sealed interface BackendResolution {

    /**
     * The Service and its port exist.
     *
     * @param backends the endpoints found in the Service's EndpointSlices, sorted with
     *     {@link BalancerTranslator#sortedBackends}; empty when none is ready or draining (the
     *     caller reports {@code NoReadyEndpoints})
     * @param notes what was ignored and why, phrased for users, in a stable order; empty when
     *     nothing was
     * @param notReady endpoints the slices list that take no calls (not ready and not
     *     terminating, or not serving), for "0 of 3 endpoints ready"
     * @param trafficDistribution the Service's {@code spec.trafficDistribution} when it is one
     *     grpc-balancer honours (its hints are in the endpoints), else {@code null}
     */
    record Resolved(BackendSet backends, List<String> notes, int notReady, String trafficDistribution)
            implements BackendResolution {

        public Resolved {
            requireNonNull(backends, "backends");
            notes = List.copyOf(requireNonNull(notes, "notes"));
            if (notReady < 0) {
                throw new IllegalArgumentException("notReady must be >= 0: " + notReady);
            }
        }

        /** A Service without a trafficDistribution. */
        public Resolved(BackendSet backends, List<String> notes, int notReady) {
            this(backends, notes, notReady, null);
        }

        /** Every endpoint listed takes calls. */
        public Resolved(BackendSet backends, List<String> notes) {
            this(backends, notes, 0);
        }
    }

    /**
     * The reference cannot be followed.
     *
     * @param reason Gateway API reason, {@link ServiceBackends#BACKEND_NOT_FOUND} or
     *     {@link ServiceBackends#UNSUPPORTED_BACKEND}
     * @param message what is wrong, phrased for users, e.g. {@code Service shop/refunds not found}
     */
    record Unresolved(String reason, String message) implements BackendResolution {

        public Unresolved {
            requireNonNull(reason, "reason");
            requireNonNull(message, "message");
            if (reason.isEmpty() || message.isEmpty()) {
                throw new IllegalArgumentException("reason and message must not be empty");
            }
        }
    }
}
