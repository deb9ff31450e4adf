package dev.grpcbalancer.controller;

import dev.grpcbalancer.controller.translate.gateway.GatewayApi;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether the cluster serves the Gateway API, asked once at start through API discovery: the
 * controller serves Gateways only where the {@code gateway.networking.k8s.io/v1} kinds Gateway,
 * GatewayClass and GRPCRoute exist (their CRDs are installed), and follows ReferenceGrants only
 * where {@code v1beta1} ReferenceGrant exists.
 *
 * @param enabled Gateway, GatewayClass and GRPCRoute are served
 * @param referenceGrants ReferenceGrant is served as well
 * @param whyOff why support is off, for the log line that says so
 */
record GatewayApiDiscovery(boolean enabled, boolean referenceGrants, String whyOff) {

    /** Support turned off by the command line: the API server is not asked. */
    static final GatewayApiDiscovery TURNED_OFF = new GatewayApiDiscovery(false, false, "turned off (--no-gateway-api)");

    private static final List<String> REQUIRED = List.of(GatewayApi.GATEWAY_CLASS, GatewayApi.GATEWAY, GatewayApi.GRPC_ROUTE);

    static GatewayApiDiscovery ask(KubernetesClient client) {
        Set<String> v1 = kinds(client, GatewayApi.GROUP + "/v1");
        List<String> missing = REQUIRED.stream().filter(kind -> !v1.contains(kind)).toList();
        boolean grants = kinds(client, GatewayApi.GROUP + "/v1beta1").contains(GatewayApi.REFERENCE_GRANT);
        return new GatewayApiDiscovery(missing.isEmpty(), grants, missing.isEmpty() ? ""
                : "the cluster does not serve " + String.join(", ", missing.stream()
                        .map(kind -> kind + " " + GatewayApi.GROUP + "/v1").toList())
                        + " (install the Gateway API CRDs and restart the controller to serve Gateways and GRPCRoutes)");
    }

    private static Set<String> kinds(KubernetesClient client, String groupVersion) {
        try {
            APIResourceList resources = client.getApiResources(groupVersion);
            return resources == null || resources.getResources() == null ? Set.of()
                    : resources.getResources().stream().map(APIResource::getKind).collect(Collectors.toSet());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return Set.of(); // the group or version does not exist
            }
            throw e;
        }
    }
}
