package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BackendSet;
import java.util.List;

/**
 * What the backendRefs of one rule of {@code spec.rules} resolved to: the facts its
 * {@code status.rules[]} entry and the {@code ResolvedRefs} condition are built from.
 *
 * @param name the rule's name, or {@code rule-N} for an unnamed one
 * @param label how messages name the rule: {@code rule cart}, or {@code rules[N]} for an unnamed one
 */
public record RuleResolution(String name, String label, List<BackendRef> backendRefs) {

    public RuleResolution {
        requireNonNull(name, "name");
        requireNonNull(label, "label");
        backendRefs = List.copyOf(requireNonNull(backendRefs, "backendRefs"));
    }

    /**
     * One backendRef of the rule.
     *
     * @param name its name in the snapshot: {@code service:port}, or {@code static-N}
     * @param service the Service it names, {@code null} for static endpoints
     * @param resolution the Service lookup, {@code null} for static endpoints
     * @param endpoints what the data plane balances over (empty when unresolved)
     */
    public record BackendRef(String name, String service, int weight, BackendResolution resolution,
            BackendSet endpoints) {

        public BackendRef {
            requireNonNull(name, "name");
            requireNonNull(endpoints, "endpoints");
        }

        public boolean isResolved() {
            return !(resolution instanceof BackendResolution.Unresolved);
        }

        /** Endpoints the Service lists that take no calls (for "ready of total"). */
        public int notReady() {
            return resolution instanceof BackendResolution.Resolved resolved ? resolved.notReady() : 0;
        }
    }
}
