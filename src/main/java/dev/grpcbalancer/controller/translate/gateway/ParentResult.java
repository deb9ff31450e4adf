package dev.grpcbalancer.controller.translate.gateway;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import java.util.List;

/**
 * What became of one parentRef of a GRPCRoute that names a Gateway of this controller: the facts
 * of that parent's entry in the route's {@code status.parents}.
 *
 * @param route the route
 * @param routeGeneration the route's {@code metadata.generation} these facts are about
 * @param parentIndex the parentRef's index in {@code spec.parentRefs}
 * @param parentRef the parentRef as written
 * @param notAccepted why the route is not attached to the Gateway through it, or {@code null}
 * @param unresolvedRefs backendRefs that cannot be used (ResolvedRefs False), in rule order
 * @param droppedRules rules that are not served and why (PartiallyInvalid, or Accepted False
 *     {@code UnsupportedValue} when no rule is left)
 */
public record ParentResult(ObjectKey route, long routeGeneration, int parentIndex, ParentReference parentRef,
        Problem notAccepted, List<Problem> unresolvedRefs, List<String> droppedRules) {

    public ParentResult {
        requireNonNull(route, "route");
        requireNonNull(parentRef, "parentRef");
        unresolvedRefs = List.copyOf(requireNonNull(unresolvedRefs, "unresolvedRefs"));
        droppedRules = List.copyOf(requireNonNull(droppedRules, "droppedRules"));
    }

    public boolean isAccepted() {
        return notAccepted == null;
    }
}
