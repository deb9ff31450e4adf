package dev.grpcbalancer.controller.translate.gateway;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRefBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ListenerBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReferenceBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Gateway API objects as the API server would hold them, built for tests: a GatewayClass of this
 * controller, Gateways with listeners, GRPCRoutes with rules, ReferenceGrants, and the Services
 * and EndpointSlices they reference.
 */
public final class GatewayObjects {

    public static final String CLASS = "grpc-balancer";

    private GatewayObjects() {
    }

    public static GatewayClass gatewayClass(String name, String controllerName) {
        return new GatewayClassBuilder().withNewMetadata().withName(name).withGeneration(1L).endMetadata()
                .withNewSpec().withControllerName(controllerName).endSpec().build();
    }

    public static GatewayClass ourClass() {
        return gatewayClass(CLASS, GatewayApi.CONTROLLER_NAME);
    }

    public static Gateway gateway(String namespace, String name, Listener... listeners) {
        return new GatewayBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).withGeneration(1L)
                    .withCreationTimestamp("2026-01-01T00:00:00Z").withUid("uid-" + name).endMetadata()
                .withNewSpec().withGatewayClassName(CLASS).withListeners(listeners).endSpec()
                .build();
    }

    /** An HTTP listener; {@code hostname} may be null. */
    public static Listener listener(String name, int port, String hostname) {
        return new ListenerBuilder().withName(name).withPort(port).withProtocol("HTTP").withHostname(hostname).build();
    }

    /** An HTTP listener that takes routes from every namespace. */
    public static Listener listenerFromAll(String name, int port, String hostname) {
        return new ListenerBuilder(listener(name, port, hostname)).withNewAllowedRoutes().withNewNamespaces()
                .withFrom("All").endNamespaces().endAllowedRoutes().build();
    }

    public static ParentReference parent(String gateway) {
        return new ParentReferenceBuilder().withName(gateway).build();
    }

    public static ParentReference parent(String gateway, String sectionName, Integer port) {
        return new ParentReferenceBuilder().withName(gateway).withSectionName(sectionName).withPort(port).build();
    }

    public static GRPCRoute route(String namespace, String name, List<ParentReference> parents, List<String> hostnames,
            GRPCRouteRule... rules) {
        return new GRPCRouteBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).withGeneration(1L)
                    .withCreationTimestamp("2026-01-01T00:00:00Z").endMetadata()
                .withNewSpec().withParentRefs(parents).withHostnames(hostnames).withRules(rules).endSpec()
                .build();
    }

    /** A rule with one exact method match ({@code service}, {@code method} may be null) and these backends. */
    public static GRPCRouteRule rule(String service, String method, GRPCBackendRef... backends) {
        GRPCRouteRule rule = new GRPCRouteRule();
        if (service != null || method != null) {
            GRPCRouteMatch match = new GRPCRouteMatch();
            match.setMethod(new GRPCMethodMatch(method, service, "Exact"));
            rule.setMatches(new ArrayList<>(List.of(match)));
        }
        rule.setBackendRefs(new ArrayList<>(Arrays.asList(backends)));
        return rule;
    }

    /** A rule that takes calls carrying header {@code name: value}. */
    public static GRPCRouteRule headerRule(String name, String value, GRPCBackendRef... backends) {
        GRPCRouteMatch match = new GRPCRouteMatch();
        match.setHeaders(new ArrayList<>(List.of(new GRPCHeaderMatch(name, "Exact", value))));
        GRPCRouteRule rule = new GRPCRouteRule();
        rule.setMatches(new ArrayList<>(List.of(match)));
        rule.setBackendRefs(new ArrayList<>(Arrays.asList(backends)));
        return rule;
    }

    public static GRPCBackendRef backend(String service, int port, int weight) {
        return new GRPCBackendRefBuilder().withName(service).withPort(port).withWeight(weight).build();
    }

    public static GRPCBackendRef backend(String namespace, String service, int port) {
        return new GRPCBackendRefBuilder().withNamespace(namespace).withName(service).withPort(port).build();
    }

    /** A grant in {@code namespace} that lets GRPCRoutes of {@code from} use its Services ({@code service}, or all when null). */
    public static ReferenceGrant grant(String namespace, String from, String service) {
        return new ReferenceGrantBuilder()
                .withNewMetadata().withNamespace(namespace).withName("from-" + from).endMetadata()
                .withNewSpec()
                    .addNewFrom().withGroup(GatewayApi.GROUP).withKind(GatewayApi.GRPC_ROUTE).withNamespace(from).endFrom()
                    .addNewTo().withGroup("").withKind("Service").withName(service).endTo()
                .endSpec()
                .build();
    }

    /** A Service with one port {@code grpc}. */
    public static Service service(String namespace, String name, int port) {
        return new ServiceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec()
                    .addNewPort().withName("grpc").withPort(port).withProtocol("TCP")
                        .withTargetPort(new IntOrString("grpc")).endPort()
                .endSpec()
                .build();
    }

    /** An IPv4 slice of {@code service} with ready endpoints on {@code port}. */
    public static EndpointSlice slice(String namespace, String service, int port, String... ips) {
        return new EndpointSliceBuilder()
                .withNewMetadata().withNamespace(namespace).withName(service + "-abc")
                    .withLabels(Map.of("kubernetes.io/service-name", service)).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName("grpc").withPort(port).withProtocol("TCP").endPort()
                .withEndpoints(Arrays.stream(ips).map(ip -> new EndpointBuilder().withAddresses(ip)
                        .withNewConditions().withReady(true).endConditions().build()).toList())
                .build();
    }
}
