package dev.grpcbalancer.controller.status;

import static dev.grpcbalancer.controller.status.Conditions.FALSE;
import static dev.grpcbalancer.controller.status.Conditions.TRUE;
import static dev.grpcbalancer.controller.status.Conditions.UNKNOWN;
import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.BalancerAddress;
import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.controller.translate.BackendResolution;
import dev.grpcbalancer.controller.translate.BalancerOutcome;
import dev.grpcbalancer.controller.translate.RuleResolution;
import dev.grpcbalancer.controller.translate.SpecError;
import dev.grpcbalancer.controller.translate.gateway.GatewayTranslator;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerState;
import dev.grpcbalancer.snapshot.Route;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds the status of one balancer from what the controller made of it, the state of its
 * listener in this process's data plane and its managed Service. Pure.
 *
 * <p>Conditions, in the Gateway API vocabulary:
 * <ul>
 *   <li>{@code Accepted}: the spec is valid and the balancer holds its port
 *       (False: {@code Invalid}, {@code PortUnavailable});
 *   <li>{@code ResolvedRefs}: the backends were found (with rules: every backendRef of every rule)
 *       and the certificate references hold valid key material (False: {@code InvalidCertificateRef},
 *       {@code BackendNotFound}, {@code UnsupportedBackend}, {@code Invalid});
 *   <li>{@code Programmed}: the data plane listens on the port
 *       (False: {@code Invalid}, also when no valid certificate was ever found,
 *       {@code PortUnavailable}, {@code Pending});
 *   <li>{@code BackendsAvailable}: at least one endpoint is ready (with rules: in every rule)
 *       (False: {@code NoReadyEndpoints}; Unknown: {@code NotProgrammed}).
 * </ul>
 */
public final class StatusBuilder {

    public static final String ACCEPTED = "Accepted";
    public static final String RESOLVED_REFS = "ResolvedRefs";
    public static final String PROGRAMMED = "Programmed";
    public static final String BACKENDS_AVAILABLE = "BackendsAvailable";

    public static final String INVALID = "Invalid";
    public static final String PORT_UNAVAILABLE = "PortUnavailable";
    public static final String PENDING = "Pending";
    public static final String NO_READY_ENDPOINTS = "NoReadyEndpoints";
    public static final String NOT_PROGRAMMED = "NotProgrammed";
    /** Gateway API's reason for a certificate reference that is missing or holds unusable key material. */
    public static final String INVALID_CERTIFICATE_REF = "InvalidCertificateRef";

    private StatusBuilder() {
    }

    /**
     * @param listener the listener's state in this data plane, or {@code null} when it runs none
     * @param managedService the balancer's managed Service as last seen, or {@code null}
     */
    public static DesiredStatus build(BalancerOutcome outcome, ListenerState listener, Service managedService) {
        requireNonNull(outcome, "outcome");
        List<Conditions.Desired> conditions = List.of(
                accepted(outcome), resolvedRefs(outcome), programmed(outcome, listener), backendsAvailable(outcome));
        List<BackendSet> backends = backendSets(outcome);
        int total = notReady(outcome);
        int ready = 0;
        int draining = 0;
        for (BackendSet set : backends) {
            total += set.endpoints().size();
            ready += (int) set.readyCount();
            draining += (int) set.drainingCount();
        }
        return new DesiredStatus(outcome.generation(), conditions, new EndpointsStatus(total, ready, draining),
                outcome.config() == null ? List.of() : addresses(managedService), RuleStatuses.of(outcome),
                ZoneStatus.of(outcome));
    }

    /** Every endpoint set the balancer runs: the shorthand's one, or one per backendRef of each rule. */
    private static List<BackendSet> backendSets(BalancerOutcome outcome) {
        if (outcome.config() == null) {
            return List.of();
        }
        List<BackendSet> sets = new ArrayList<>();
        for (Route route : outcome.config().effectiveRoutes()) {
            route.backends().forEach(backend -> sets.add(backend.endpoints()));
        }
        return sets;
    }

    private static Conditions.Desired accepted(BalancerOutcome outcome) {
        if (!outcome.isValid()) {
            String serving = outcome.config() != null
                    ? " (still serving generation " + outcome.servingGeneration() + ", the last valid spec)" : "";
            return new Conditions.Desired(ACCEPTED, FALSE, INVALID, describe(outcome.errors()) + serving);
        }
        if (outcome.portHolder() != null) {
            BalancerId holder = outcome.portHolder();
            return new Conditions.Desired(ACCEPTED, FALSE, PORT_UNAVAILABLE, "port "
                    + outcome.resource().getSpec().getListener().getPort() + " already used by "
                    + (GatewayTranslator.isGatewayListener(holder) ? GatewayTranslator.describe(holder)
                            + " (the older one keeps it)" : holder + " (the older balancer keeps it)"));
        }
        return new Conditions.Desired(ACCEPTED, TRUE, ACCEPTED, "the spec is valid");
    }

    private static Conditions.Desired resolvedRefs(BalancerOutcome outcome) {
        if (!outcome.isValid()) {
            return new Conditions.Desired(RESOLVED_REFS, FALSE, INVALID, "the spec is invalid (see Accepted)");
        }
        BackendResolution resolution = outcome.resolution();
        if (!outcome.certificateProblems().isEmpty()) {
            String message = outcome.certificateProblems().stream().map(SpecError::message).collect(Collectors.joining("; "));
            if (outcome.config() == null) {
                message += " (not serving: no valid certificate yet)";
            } else if (outcome.tls().keptPrevious()) {
                message += " (the last valid certificates keep serving)";
            }
            Conditions.Desired backends = outcome.rules().isEmpty() ? null : RuleStatuses.resolvedRefs(outcome.rules());
            if (backends != null && FALSE.equals(backends.status())) {
                message += "; " + backends.message();
            } else if (resolution instanceof BackendResolution.Unresolved unresolved) {
                message += "; " + unresolved.message();
            }
            return new Conditions.Desired(RESOLVED_REFS, FALSE, INVALID_CERTIFICATE_REF, message);
        }
        if (!outcome.rules().isEmpty()) {
            return RuleStatuses.resolvedRefs(outcome.rules());
        }
        if (resolution instanceof BackendResolution.Unresolved unresolved) {
            return new Conditions.Desired(RESOLVED_REFS, FALSE, unresolved.reason(), unresolved.message());
        }
        if (resolution instanceof BackendResolution.Resolved resolved) {
            String service = outcome.id().namespace() + "/" + outcome.resource().getSpec().getBackendRef().getName();
            String message = "Service " + service + ": " + count(resolved.backends().endpoints().size(), "endpoint");
            if (!resolved.notes().isEmpty()) {
                message += "; " + String.join("; ", resolved.notes());
            }
            return new Conditions.Desired(RESOLVED_REFS, TRUE, RESOLVED_REFS, message);
        }
        int endpoints = outcome.resource().getSpec().getStaticEndpoints().size();
        return new Conditions.Desired(RESOLVED_REFS, TRUE, RESOLVED_REFS, count(endpoints, "static endpoint"));
    }

    private static Conditions.Desired programmed(BalancerOutcome outcome, ListenerState listener) {
        if (outcome.lacksCertificates()) {
            return new Conditions.Desired(PROGRAMMED, FALSE, INVALID,
                    "not listening: no valid certificate (see ResolvedRefs)");
        }
        if (outcome.config() == null) {
            String reason = outcome.isValid() ? PORT_UNAVAILABLE : INVALID;
            return new Conditions.Desired(PROGRAMMED, FALSE, reason, "not running: see Accepted");
        }
        int port = outcome.config().listenerPort();
        if (listener == null || (!listener.bound() && listener.error() == null)) {
            return new Conditions.Desired(PROGRAMMED, FALSE, PENDING, "waiting for the listener on port " + port);
        }
        if (!listener.bound()) {
            return new Conditions.Desired(PROGRAMMED, FALSE, PORT_UNAVAILABLE, listener.error() + " (retrying)");
        }
        String generation = outcome.isValid() ? "" : " (generation " + outcome.servingGeneration() + ")";
        return new Conditions.Desired(PROGRAMMED, TRUE, PROGRAMMED, "listening on port " + port + generation);
    }

    private static Conditions.Desired backendsAvailable(BalancerOutcome outcome) {
        if (outcome.config() == null) {
            return new Conditions.Desired(BACKENDS_AVAILABLE, UNKNOWN, NOT_PROGRAMMED, "the balancer is not running");
        }
        if (!outcome.config().routes().isEmpty()) {
            return RuleStatuses.backendsAvailable(outcome);
        }
        BackendSet backends = outcome.config().backends();
        long ready = backends.readyCount();
        long draining = backends.drainingCount();
        int total = backends.endpoints().size() + notReady(outcome);
        if (total == 0) {
            return new Conditions.Desired(BACKENDS_AVAILABLE, FALSE, NO_READY_ENDPOINTS,
                    "no endpoints: calls fail with UNAVAILABLE");
        }
        String counts = ready + " of " + total + " endpoints ready";
        if (ready == 0) {
            return new Conditions.Desired(BACKENDS_AVAILABLE, FALSE, NO_READY_ENDPOINTS, counts + (draining > 0
                    ? "; terminating endpoints still serving calls: " + draining : ": calls fail with UNAVAILABLE"));
        }
        return new Conditions.Desired(BACKENDS_AVAILABLE, TRUE, BACKENDS_AVAILABLE,
                counts + (draining > 0 ? ", " + draining + " draining" : ""));
    }

    /** Endpoints the Services list that take no calls (not ready, not terminating). */
    private static int notReady(BalancerOutcome outcome) {
        if (outcome.config() == null) {
            return 0;
        }
        int notReady = outcome.resolution() instanceof BackendResolution.Resolved resolved ? resolved.notReady() : 0;
        for (RuleResolution rule : outcome.rules()) {
            for (RuleResolution.BackendRef ref : rule.backendRefs()) {
                notReady += ref.notReady();
            }
        }
        return notReady;
    }

    static List<BalancerAddress> addresses(Service service) {
        List<BalancerAddress> addresses = new ArrayList<>();
        if (service == null) {
            return addresses;
        }
        if (service.getStatus() != null && service.getStatus().getLoadBalancer() != null
                && service.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress ingress : service.getStatus().getLoadBalancer().getIngress()) {
                if (ingress.getIp() != null) {
                    addresses.add(new BalancerAddress("IPAddress", ingress.getIp()));
                } else if (ingress.getHostname() != null) {
                    addresses.add(new BalancerAddress("Hostname", ingress.getHostname()));
                }
            }
        }
        String clusterIp = service.getSpec() == null ? null : service.getSpec().getClusterIP();
        if (clusterIp != null && !clusterIp.isEmpty() && !"None".equals(clusterIp)) {
            addresses.add(new BalancerAddress("IPAddress", clusterIp));
        }
        addresses.add(new BalancerAddress("Hostname",
                service.getMetadata().getName() + "." + service.getMetadata().getNamespace() + ".svc"));
        return addresses;
    }

    private static String describe(List<SpecError> errors) {
        return errors.stream().map(SpecError::toString).collect(Collectors.joining("; "));
    }

    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
