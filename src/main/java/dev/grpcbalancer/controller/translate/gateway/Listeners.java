package dev.grpcbalancer.controller.translate.gateway;

import static dev.grpcbalancer.controller.translate.gateway.GatewayApi.GROUP;
import static dev.grpcbalancer.controller.translate.gateway.GatewayApi.GRPC_ROUTE;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.AllowedRoutes;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteGroupKind;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteNamespaces;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks the listeners of a Gateway: protocol ({@code HTTP}, or {@code HTTPS} terminated here),
 * route kinds, where routes may come from, and
 * conflicts between listeners on one port (different protocols: {@code ProtocolConflict}; the same
 * hostname, or both without one: {@code HostnameConflict}; every listener involved is conflicted).
 * Pure.
 */
final class Listeners {

    /** The one route kind this controller serves. */
    static final RouteGroupKind GRPC_ROUTE_KIND = new RouteGroupKind(GROUP, GRPC_ROUTE);

    private static final Set<String> FROM = Set.of(GatewayApi.FROM_SAME, GatewayApi.FROM_ALL, GatewayApi.FROM_SELECTOR);

    private Listeners() {
    }

    /** Every listener of {@code gateway} with a name and a port, in spec order. */
    static List<ListenerCheck> check(Gateway gateway) {
        List<Listener> listeners = gateway.getSpec() == null || gateway.getSpec().getListeners() == null ? List.of()
                : gateway.getSpec().getListeners().stream()
                        .filter(l -> l != null && l.getName() != null && l.getPort() != null)
                        .toList();
        Map<Integer, List<Listener>> byPort = new HashMap<>();
        listeners.forEach(l -> byPort.computeIfAbsent(l.getPort(), p -> new ArrayList<>()).add(l));
        List<ListenerCheck> checks = new ArrayList<>();
        for (Listener listener : listeners) {
            checks.add(check(listener, byPort.get(listener.getPort())));
        }
        return List.copyOf(checks);
    }

    private static ListenerCheck check(Listener listener, List<Listener> samePort) {
        String protocol = listener.getProtocol() == null ? "" : listener.getProtocol();
        AllowedRoutes allowed = listener.getAllowedRoutes();
        RouteNamespaces namespaces = allowed == null ? null : allowed.getNamespaces();
        String from = namespaces == null || namespaces.getFrom() == null ? GatewayApi.FROM_SAME : namespaces.getFrom();
        LabelSelector selector = namespaces == null ? null : namespaces.getSelector();

        Problem notAccepted = null;
        String tlsMode = listener.getTls() == null || listener.getTls().getMode() == null ? GatewayApi.TLS_TERMINATE
                : listener.getTls().getMode();
        if (!GatewayApi.HTTP.equals(protocol) && !GatewayApi.HTTPS.equals(protocol)) {
            notAccepted = new Problem(GatewayApi.UNSUPPORTED_PROTOCOL, "protocol " + protocol + " is not supported: use"
                    + " HTTP (gRPC over h2c) or HTTPS (gRPC over TLS, terminated here)");
        } else if (GatewayApi.HTTPS.equals(protocol) && !GatewayApi.TLS_TERMINATE.equals(tlsMode)) {
            notAccepted = new Problem(GatewayApi.UNSUPPORTED_VALUE, "tls.mode " + tlsMode + " is not supported on an"
                    + " HTTPS listener: TLS is terminated here (Terminate)");
        } else if (GatewayApi.HTTPS.equals(protocol) && listener.getTls() != null
                && listener.getTls().getFrontendValidation() != null) {
            notAccepted = new Problem(GatewayApi.UNSUPPORTED_VALUE, "tls.frontendValidation is not supported: client"
                    + " certificates cannot be verified on a Gateway listener (use a GrpcBalancer's clientValidation)");
        } else if (!FROM.contains(from)) {
            notAccepted = new Problem(GatewayApi.UNSUPPORTED_VALUE, "allowedRoutes.namespaces.from must be Same, All"
                    + " or Selector, got " + from);
        } else if (GatewayApi.FROM_SELECTOR.equals(from) && selector == null) {
            notAccepted = new Problem(GatewayApi.UNSUPPORTED_VALUE, "allowedRoutes.namespaces.from is Selector but no"
                    + " selector is given");
        }

        List<RouteGroupKind> supported = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        if (allowed == null || allowed.getKinds() == null || allowed.getKinds().isEmpty()) {
            supported.add(GRPC_ROUTE_KIND);
        } else {
            for (RouteGroupKind kind : allowed.getKinds()) {
                String group = GatewayApi.groupOr(kind.getGroup(), GROUP);
                if (GROUP.equals(group) && GRPC_ROUTE.equals(kind.getKind())) {
                    if (!supported.contains(GRPC_ROUTE_KIND)) {
                        supported.add(GRPC_ROUTE_KIND);
                    }
                } else {
                    invalid.add(group.isEmpty() ? kind.getKind() : kind.getKind() + "." + group);
                }
            }
        }
        Problem unresolved = invalid.isEmpty() ? null : new Problem(GatewayApi.INVALID_ROUTE_KINDS,
                "route kinds not supported: " + String.join(", ", invalid) + " (only GRPCRoute)");

        return new ListenerCheck(listener.getName(), listener.getPort(), protocol, listener.getHostname(), supported,
                from, selector, notAccepted, conflict(listener, protocol, samePort), unresolved, List.of());
    }

    private static String conflict(Listener listener, String protocol, List<Listener> samePort) {
        for (Listener other : samePort) {
            if (other != listener && !protocol.equals(Objects.requireNonNullElse(other.getProtocol(), ""))) {
                return GatewayApi.PROTOCOL_CONFLICT;
            }
        }
        for (Listener other : samePort) {
            if (other != listener && sameHostname(listener.getHostname(), other.getHostname())) {
                return GatewayApi.HOSTNAME_CONFLICT;
            }
        }
        return null;
    }

    /** Host names compare without case (the data plane matches SNI and :authority so). */
    private static boolean sameHostname(String a, String b) {
        return a == null ? b == null : a.equalsIgnoreCase(b);
    }
}
