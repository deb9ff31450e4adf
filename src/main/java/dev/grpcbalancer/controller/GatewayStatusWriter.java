package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.grpcbalancer.controller.status.GatewayStatuses;
import dev.grpcbalancer.controller.translate.gateway.GatewayApi;
import dev.grpcbalancer.controller.translate.gateway.GatewayOutcome;
import dev.grpcbalancer.controller.translate.gateway.GatewayTranslator;
import dev.grpcbalancer.controller.translate.gateway.ObjectKey;
import dev.grpcbalancer.controller.translate.gateway.ParentResult;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerState;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClassStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the status of the Gateway API objects this controller serves: every GatewayClass with its
 * controller name, every Gateway of such a class, and this controller's entries in the
 * {@code status.parents} of every GRPCRoute (removing them from routes that no longer name one of
 * its Gateways). The status is built ({@link GatewayStatuses}) against the object's current status
 * in the informer and written, as a JSON patch of the whole status, only when it differs. Runs on
 * the {@link StatusWriter}'s thread, for the leader only.
 */
final class GatewayStatusWriter {

    private static final Logger log = LoggerFactory.getLogger(GatewayStatusWriter.class);

    /**
     * What the status is built from.
     *
     * @param gateways this run's outcome per Gateway of this controller
     * @param serviceNames the managed Service of each served Gateway, by name
     * @param listening the data plane's listener states
     * @param routes per GRPCRoute, what became of its parentRefs that name this controller's Gateways
     */
    record Plan(Map<ObjectKey, GatewayOutcome> gateways, Map<ObjectKey, String> serviceNames,
            Map<BalancerId, ListenerState> listening, Map<ObjectKey, List<ParentResult>> routes) {

        Plan {
            gateways = Map.copyOf(requireNonNull(gateways, "gateways"));
            serviceNames = Map.copyOf(requireNonNull(serviceNames, "serviceNames"));
            listening = Map.copyOf(requireNonNull(listening, "listening"));
            routes = Map.copyOf(requireNonNull(routes, "routes"));
        }
    }

    private final KubernetesClient client;
    private final ClusterCache cache;
    private final Clock clock;
    private long writes;

    GatewayStatusWriter(KubernetesClient client, ClusterCache cache, Clock clock) {
        this.client = requireNonNull(client, "client");
        this.cache = requireNonNull(cache, "cache");
        this.clock = requireNonNull(clock, "clock");
    }

    /** Writes what differs; returns how many status patches were made. */
    long write(Plan plan) {
        GatewayCache api = cache.gatewayApi();
        if (api == null) {
            return 0;
        }
        writes = 0;
        Instant now = clock.instant();
        for (GatewayClass gatewayClass : api.gatewayClasses()) {
            if (GatewayTranslator.isOurs(gatewayClass)) {
                GatewayClassStatus status = GatewayStatuses.gatewayClass(GatewayTranslator.classProblem(gatewayClass),
                        generation(gatewayClass), gatewayClass.getStatus(), now);
                if (!status.equals(gatewayClass.getStatus())) {
                    patch(gatewayClass, Serialization.jsonMapper().valueToTree(status));
                }
            }
        }
        plan.gateways().forEach((key, outcome) -> {
            Gateway gateway = api.gateway(key);
            if (gateway != null) {
                String serviceName = plan.serviceNames().get(key);
                GatewayStatus status = GatewayStatuses.gateway(outcome, plan.listening(),
                        serviceName == null ? null : cache.managedService(serviceName), gateway.getStatus(), now);
                if (!status.equals(gateway.getStatus())) {
                    ObjectNode json = Serialization.jsonMapper().valueToTree(status);
                    // Required by the schema even when empty (the model leaves empty lists out).
                    for (JsonNode listener : json.withArray("listeners")) {
                        ((ObjectNode) listener).withArray("supportedKinds");
                    }
                    patch(gateway, json);
                }
            }
        });
        for (GRPCRoute route : api.grpcRoutes()) {
            List<ParentResult> results = plan.routes().getOrDefault(ObjectKey.of(route), List.of());
            List<RouteParentStatus> current = route.getStatus() == null ? null : route.getStatus().getParents();
            boolean ours = current != null && current.stream()
                    .anyMatch(p -> GatewayApi.CONTROLLER_NAME.equals(p.getControllerName()));
            if (results.isEmpty() && !ours) {
                continue; // not a route of this controller's Gateways, and never was
            }
            List<RouteParentStatus> parents = GatewayStatuses.routeParents(results, current, now);
            if (!Objects.equals(parents, current == null ? List.of() : current)) {
                ObjectNode json = Serialization.jsonMapper().valueToTree(new GRPCRouteStatus(parents));
                json.withArray("parents"); // required by the schema even when empty
                patch(route, json);
            }
        }
        return writes;
    }

    private void patch(HasMetadata object, ObjectNode status) {
        String patch = "[{\"op\":\"add\",\"path\":\"/status\",\"value\":" + status + "}]";
        String name = object.getKind() + " " + (object.getMetadata().getNamespace() == null ? ""
                : object.getMetadata().getNamespace() + "/") + object.getMetadata().getName();
        try {
            client.resource(object).subresource("status").patch(PatchContext.of(PatchType.JSON), patch);
            writes++;
            log.debug("[{}] status written", name);
        } catch (KubernetesClientException e) {
            log.warn("[{}] could not write status: {}", name, e.getMessage());
        }
    }

    private static long generation(HasMetadata object) {
        Long generation = object.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }
}
