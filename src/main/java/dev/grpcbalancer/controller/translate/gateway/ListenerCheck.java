package dev.grpcbalancer.controller.translate.gateway;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.TlsCertificate;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import java.util.List;

/**
 * What one listener of a Gateway is, on its own and beside the Gateway's other listeners.
 *
 * @param hostname the listener's hostname, {@code null} for any host
 * @param supportedKinds the route kinds it takes (only GRPCRoute: the ones its allowedRoutes
 *     names that this controller serves)
 * @param from where routes may come from: {@code Same}, {@code All} or {@code Selector}
 * @param selector the namespace selector when {@code from} is {@code Selector}
 * @param notAccepted why it cannot be served (its Accepted condition is False), or {@code null}
 * @param conflict {@code HostnameConflict} or {@code ProtocolConflict} when it clashes with
 *     another listener of the Gateway, else {@code null}
 * @param unresolvedRefs why its references do not resolve (ResolvedRefs False), or {@code null}
 * @param certificates an HTTPS listener's valid certificates (from its {@code certificateRefs});
 *     empty for HTTP
 */
public record ListenerCheck(String name, int port, String protocol, String hostname, List<RouteGroupKind> supportedKinds,
        String from, LabelSelector selector, Problem notAccepted, String conflict, Problem unresolvedRefs,
        List<TlsCertificate> certificates) {

    public ListenerCheck {
        requireNonNull(name, "name");
        requireNonNull(protocol, "protocol");
        supportedKinds = List.copyOf(requireNonNull(supportedKinds, "supportedKinds"));
        requireNonNull(from, "from");
        certificates = List.copyOf(requireNonNull(certificates, "certificates"));
    }

    /** An HTTPS listener: TLS terminated with its certificates. */
    public boolean https() {
        return GatewayApi.HTTPS.equals(protocol);
    }

    /**
     * This listener with its certificates resolved; {@code problem} (a broken reference) joins
     * the unresolved references it already has.
     */
    ListenerCheck withCertificates(List<TlsCertificate> valid, Problem problem) {
        Problem unresolved = problem == null ? unresolvedRefs : unresolvedRefs == null ? problem
                : new Problem(unresolvedRefs.reason(), unresolvedRefs.message() + "; " + problem.message());
        return new ListenerCheck(name, port, protocol, hostname, supportedKinds, from, selector, notAccepted, conflict,
                unresolved, valid);
    }

    /** Usable, and an HTTPS listener has a valid certificate: the data plane serves its port. */
    public boolean servable() {
        return usable() && (!https() || !certificates.isEmpty());
    }

    /** Routes may attach and the data plane serves it (port arbitration aside). */
    public boolean usable() {
        return notAccepted == null && conflict == null;
    }

    /** Whether GRPCRoutes may attach: usable, and GRPCRoute among its kinds. */
    boolean takesGrpcRoutes() {
        return usable() && !supportedKinds.isEmpty();
    }
}
