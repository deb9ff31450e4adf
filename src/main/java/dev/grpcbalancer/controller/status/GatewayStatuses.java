package dev.grpcbalancer.controller.status;

import static dev.grpcbalancer.controller.status.Conditions.FALSE;
import static dev.grpcbalancer.controller.status.Conditions.TRUE;
import static dev.grpcbalancer.controller.translate.gateway.GatewayApi.ACCEPTED;
import static dev.grpcbalancer.controller.translate.gateway.GatewayApi.CONFLICTED;
import static dev.grpcbalancer.controller.translate.gateway.GatewayApi.PROGRAMMED;
import static dev.grpcbalancer.controller.translate.gateway.GatewayApi.RESOLVED_REFS;
import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.translate.gateway.GatewayApi;
import dev.grpcbalancer.controller.translate.gateway.GatewayCandidate;
import dev.grpcbalancer.controller.translate.gateway.GatewayOutcome;
import dev.grpcbalancer.controller.translate.gateway.GatewayTranslator;
import dev.grpcbalancer.controller.translate.gateway.ListenerCheck;
import dev.grpcbalancer.controller.translate.gateway.ParentResult;
import dev.grpcbalancer.controller.translate.gateway.Problem;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerState;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatusAddress;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.SupportedFeature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The status of the Gateway API objects this controller serves, in the Gateway API's condition
 * types and reasons: GatewayClass {@code Accepted}; Gateway {@code Accepted} and
 * {@code Programmed}, its addresses and per listener {@code Accepted}, {@code Conflicted},
 * {@code ResolvedRefs}, {@code Programmed}, {@code attachedRoutes} and {@code supportedKinds}; and
 * per parent of a GRPCRoute {@code Accepted}, {@code ResolvedRefs} and, when rules were dropped,
 * {@code PartiallyInvalid}. Pure: the current status and the time come in, and conditions keep
 * their {@code lastTransitionTime} while their status stays ({@link Conditions#merge}), so an
 * unchanged status comes out equal to the current one.
 */
public final class GatewayStatuses {

    /**
     * The Gateway API conformance features this controller implements, as a GatewayClass lists
     * them in {@code status.supportedFeatures} (docs/gateway-api.md).
     */
    public static final List<String> SUPPORTED_FEATURES = List.of("Gateway", "GatewayPort8080", "GRPCRoute",
            "ReferenceGrant");

    private GatewayStatuses() {
    }

    /** A GatewayClass of this controller: {@code Accepted}, or not with {@code problem}'s reason. */
    public static GatewayClassStatus gatewayClass(Problem problem, long generation, GatewayClassStatus current,
            Instant now) {
        Conditions.Desired accepted = problem == null
                ? new Conditions.Desired(ACCEPTED, TRUE, ACCEPTED, "handled by " + GatewayApi.CONTROLLER_NAME)
                : new Conditions.Desired(ACCEPTED, FALSE, problem.reason(), problem.message());
        return new GatewayClassStatus(Conditions.merge(current == null ? null : current.getConditions(), List.of(accepted),
                generation, now), SUPPORTED_FEATURES.stream().map(SupportedFeature::new).toList());
    }

    /**
     * @param listening the data plane's listener states, by balancer id
     * @param managedService the Gateway's managed Service as last seen, or {@code null}
     */
    public static GatewayStatus gateway(GatewayOutcome outcome, Map<BalancerId, ListenerState> listening,
            Service managedService, GatewayStatus current, Instant now) {
        requireNonNull(outcome, "outcome");
        GatewayCandidate candidate = outcome.candidate();
        long generation = candidate.generation();
        List<ListenerStatus> listeners = new ArrayList<>();
        int accepted = 0;
        int served = 0;
        List<String> waiting = new ArrayList<>();
        for (ListenerCheck listener : candidate.listeners()) {
            Problem problem = listenerProblem(outcome, listener);
            Conditions.Desired programmed;
            if (problem != null) {
                programmed = new Conditions.Desired(PROGRAMMED, FALSE, listener.conflict() != null ? listener.conflict()
                        : GatewayApi.INVALID, "not served: see Accepted");
            } else if (!listener.servable()) {
                accepted++;
                programmed = new Conditions.Desired(PROGRAMMED, FALSE, GatewayApi.INVALID,
                        "not served: no valid certificate (see ResolvedRefs)");
            } else {
                accepted++;
                served++;
                programmed = programmed(listening.get(GatewayTranslator.listenerId(candidate.id(), listener.port())),
                        listener.port());
                if (!TRUE.equals(programmed.status())) {
                    waiting.add(listener.name());
                }
            }
            List<Conditions.Desired> conditions = List.of(
                    problem == null ? new Conditions.Desired(ACCEPTED, TRUE, ACCEPTED, "serves GRPCRoutes on port "
                            + listener.port()) : new Conditions.Desired(ACCEPTED, FALSE, problem.reason(), problem.message()),
                    listener.conflict() == null ? new Conditions.Desired(CONFLICTED, FALSE, GatewayApi.NO_CONFLICTS,
                            "no conflict with other listeners") : new Conditions.Desired(CONFLICTED, TRUE, listener.conflict(),
                            conflictMessage(listener)),
                    listener.unresolvedRefs() == null ? new Conditions.Desired(RESOLVED_REFS, TRUE, RESOLVED_REFS,
                            "every reference resolved") : new Conditions.Desired(RESOLVED_REFS, FALSE,
                            listener.unresolvedRefs().reason(), listener.unresolvedRefs().message()),
                    programmed);
            ListenerStatus old = current == null || current.getListeners() == null ? null : current.getListeners().stream()
                    .filter(l -> listener.name().equals(l.getName())).findFirst().orElse(null);
            listeners.add(new ListenerStatus(candidate.attachedRoutes().getOrDefault(listener.name(), 0),
                    Conditions.merge(old == null ? null : old.getConditions(), conditions, generation, now), listener.name(),
                    listener.supportedKinds().stream().map(k -> new RouteGroupKind(k.getGroup(), k.getKind())).toList()));
        }
        List<Conditions.Desired> conditions = List.of(gatewayAccepted(candidate, accepted),
                gatewayProgrammed(candidate, served, waiting));
        List<GatewayStatusAddress> addresses = outcome.configs().isEmpty() ? List.of()
                : StatusBuilder.addresses(managedService).stream()
                        .map(a -> new GatewayStatusAddress(a.getType(), a.getValue())).toList();
        return new GatewayStatus(addresses, Conditions.merge(current == null ? null : current.getConditions(), conditions, generation,
                now), listeners);
    }

    /** Why a listener is not served, or {@code null}. */
    private static Problem listenerProblem(GatewayOutcome outcome, ListenerCheck listener) {
        GatewayCandidate candidate = outcome.candidate();
        if (candidate.notAccepted() != null) {
            return new Problem(candidate.notAccepted().reason(), "the Gateway is not accepted: "
                    + candidate.notAccepted().message());
        }
        if (listener.notAccepted() != null) {
            return listener.notAccepted();
        }
        if (listener.conflict() != null) {
            return new Problem(listener.conflict(), conflictMessage(listener));
        }
        BalancerId holder = outcome.portHolders().get(listener.port());
        if (holder != null) {
            return new Problem(GatewayApi.PORT_UNAVAILABLE, "port " + listener.port() + " already used by "
                    + GatewayTranslator.describe(holder) + " (the older one keeps it)");
        }
        return null;
    }

    private static String conflictMessage(ListenerCheck listener) {
        return GatewayApi.PROTOCOL_CONFLICT.equals(listener.conflict())
                ? "another listener on port " + listener.port() + " has another protocol"
                : "another listener on port " + listener.port() + " has the same hostname ("
                        + (listener.hostname() == null ? "none" : listener.hostname()) + ")";
    }

    private static Conditions.Desired programmed(ListenerState state, int port) {
        if (state == null || (!state.bound() && state.error() == null)) {
            return new Conditions.Desired(PROGRAMMED, FALSE, GatewayApi.PENDING, "waiting for the listener on port " + port);
        }
        if (!state.bound()) {
            return new Conditions.Desired(PROGRAMMED, FALSE, GatewayApi.PENDING, state.error() + " (retrying)");
        }
        return new Conditions.Desired(PROGRAMMED, TRUE, PROGRAMMED, "listening on port " + port);
    }

    private static Conditions.Desired gatewayAccepted(GatewayCandidate candidate, int accepted) {
        Problem problem = candidate.notAccepted();
        if (problem != null) {
            return new Conditions.Desired(ACCEPTED, FALSE, problem.reason(), problem.message());
        }
        int all = candidate.listeners().size();
        if (accepted == 0) {
            return new Conditions.Desired(ACCEPTED, FALSE, GatewayApi.LISTENERS_NOT_VALID, "no listener can be served"
                    + " (see status.listeners)");
        }
        if (accepted < all) {
            return new Conditions.Desired(ACCEPTED, TRUE, GatewayApi.LISTENERS_NOT_VALID, (all - accepted) + " of " + all
                    + " listeners cannot be served (see status.listeners)");
        }
        return new Conditions.Desired(ACCEPTED, TRUE, ACCEPTED, "handled by " + GatewayApi.CONTROLLER_NAME);
    }

    private static Conditions.Desired gatewayProgrammed(GatewayCandidate candidate, int served, List<String> waiting) {
        if (candidate.notAccepted() != null || served == 0) {
            return new Conditions.Desired(PROGRAMMED, FALSE, GatewayApi.INVALID, "nothing to serve: see Accepted and"
                    + " the listeners' conditions");
        }
        if (!waiting.isEmpty()) {
            return new Conditions.Desired(PROGRAMMED, FALSE, GatewayApi.PENDING, "waiting for listener(s) "
                    + String.join(", ", waiting));
        }
        return new Conditions.Desired(PROGRAMMED, TRUE, PROGRAMMED, served + " listener(s) serving");
    }

    /**
     * A GRPCRoute's {@code status.parents}: the entries of other controllers as they are, then one
     * entry per parentRef that names a Gateway of this controller ({@code results}, in any order).
     */
    public static List<RouteParentStatus> routeParents(List<ParentResult> results, List<RouteParentStatus> current,
            Instant now) {
        List<RouteParentStatus> parents = new ArrayList<>();
        List<RouteParentStatus> existing = current == null ? List.of() : current;
        existing.stream().filter(p -> !GatewayApi.CONTROLLER_NAME.equals(p.getControllerName())).forEach(parents::add);
        List<ParentResult> ordered = results.stream().sorted(Comparator.comparingInt(ParentResult::parentIndex)).toList();
        for (ParentResult result : ordered) {
            RouteParentStatus old = existing.stream()
                    .filter(p -> GatewayApi.CONTROLLER_NAME.equals(p.getControllerName())
                            && Objects.equals(p.getParentRef(), result.parentRef()))
                    .findFirst().orElse(null);
            parents.add(new RouteParentStatus(Conditions.merge(old == null ? null : old.getConditions(), routeConditions(result),
                    result.routeGeneration(), now), GatewayApi.CONTROLLER_NAME, result.parentRef()));
        }
        return List.copyOf(parents);
    }

    private static List<Conditions.Desired> routeConditions(ParentResult result) {
        List<Conditions.Desired> conditions = new ArrayList<>();
        conditions.add(result.isAccepted()
                ? new Conditions.Desired(ACCEPTED, TRUE, ACCEPTED, "attached to Gateway " + gatewayName(result))
                : new Conditions.Desired(ACCEPTED, FALSE, result.notAccepted().reason(), result.notAccepted().message()));
        if (result.unresolvedRefs().isEmpty()) {
            conditions.add(new Conditions.Desired(RESOLVED_REFS, TRUE, RESOLVED_REFS, "every backendRef resolved"));
        } else {
            conditions.add(new Conditions.Desired(RESOLVED_REFS, FALSE, result.unresolvedRefs().get(0).reason(),
                    String.join("; ", result.unresolvedRefs().stream().map(Problem::message).toList())
                            + " (calls that would go there fail with UNAVAILABLE)"));
        }
        if (result.isAccepted() && !result.droppedRules().isEmpty()) {
            conditions.add(new Conditions.Desired(GatewayApi.PARTIALLY_INVALID, TRUE, GatewayApi.UNSUPPORTED_VALUE,
                    "Dropped Rule(s): " + String.join("; ", result.droppedRules())));
        }
        return conditions;
    }

    private static String gatewayName(ParentResult result) {
        String namespace = result.parentRef().getNamespace() == null ? result.route().namespace()
                : result.parentRef().getNamespace();
        return namespace + "/" + result.parentRef().getName();
    }
}
