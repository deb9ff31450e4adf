package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.ManagedServiceSpec;
import dev.grpcbalancer.controller.status.DesiredStatus;
import dev.grpcbalancer.controller.status.StatusBuilder;
import dev.grpcbalancer.controller.translate.BalancerOutcome;
import dev.grpcbalancer.controller.translate.ManagedServiceNames;
import dev.grpcbalancer.controller.translate.SpecValidation;
import dev.grpcbalancer.controller.translate.gateway.GatewayOutcome;
import dev.grpcbalancer.controller.translate.gateway.ObjectKey;
import dev.grpcbalancer.controller.translate.gateway.ParentResult;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerState;
import io.fabric8.kubernetes.api.model.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns the outcomes of a reconcile run into the {@link StatusWriter.Plan}: a status per balancer
 * ({@link StatusBuilder}) and the managed Services. A balancer's status is built again only when
 * what it is built from changed: its outcome (the translator hands back the same instance for a
 * balancer it did not translate again), its listener's state, or its managed Service object. So a
 * run that touched one balancer of a thousand builds one status. Owned by the reconcile thread.
 */
final class StatusPlanner {

    /**
     * What one status was built from; outcome and managed Service compare by identity, the listener
     * by what the status shows of it (port, bound, error: not its client connection count, which
     * changes all the time and is not in the status).
     */
    private record Inputs(BalancerOutcome outcome, ListenerState listener, Service managedService) {

        boolean same(Inputs other) {
            return other != null && outcome == other.outcome && sameListener(listener, other.listener)
                    && managedService == other.managedService;
        }

        private static boolean sameListener(ListenerState a, ListenerState b) {
            return a == null || b == null ? a == b
                    : a.port() == b.port() && a.bound() == b.bound() && Objects.equals(a.error(), b.error());
        }
    }

    private record Built(Inputs inputs, DesiredStatus status) {
    }

    /** The type of a Gateway's managed Service: a Gateway is where traffic enters the cluster. */
    static final String GATEWAY_SERVICE_TYPE = ManagedServiceSpec.LOAD_BALANCER;

    private final boolean keepServices;
    private final Function<String, Service> managedService;
    private Map<BalancerId, Built> built = Map.of();
    private Map<BalancerId, String> serviceTypes = Map.of();
    private Map<BalancerId, String> serviceNames = Map.of();
    private Map<BalancerId, String> gatewayServiceNames = Map.of();

    /**
     * @param keepServices whether managed Services are kept (a pod selector is configured)
     * @param managedService the managed Service of a name, as the informer shows it, or null
     */
    StatusPlanner(boolean keepServices, Function<String, Service> managedService) {
        this.keepServices = keepServices;
        this.managedService = requireNonNull(managedService, "managedService");
    }

    /**
     * @param outcomes this run's outcome per balancer
     * @param lastValid the specs the running balancers were built from
     * @param listening the data plane's listener states
     */
    StatusWriter.Plan plan(Map<BalancerId, BalancerOutcome> outcomes, Map<ObjectKey, GatewayOutcome> gateways,
            Map<BalancerId, GrpcBalancer> lastValid, Map<BalancerId, ListenerState> listening) {
        Map<BalancerId, String> types = new HashMap<>();
        if (keepServices) {
            for (BalancerOutcome outcome : outcomes.values()) {
                String type = outcome.config() == null ? ManagedServiceSpec.NONE
                        : SpecValidation.serviceTypeOf(lastValid.get(outcome.id()).getSpec());
                if (!ManagedServiceSpec.NONE.equals(type)) {
                    types.put(outcome.id(), type);
                }
            }
        }
        if (!types.keySet().equals(serviceTypes.keySet())) {
            serviceNames = ManagedServiceNames.assign(types.keySet());
        }
        serviceTypes = types;

        Map<BalancerId, Built> next = new HashMap<>();
        Map<BalancerId, DesiredStatus> statuses = new HashMap<>();
        List<ManagedServices.Want> services = new ArrayList<>();
        for (BalancerOutcome outcome : outcomes.values()) {
            String serviceName = serviceNames.get(outcome.id());
            if (serviceName != null) {
                services.add(ManagedServices.Want.balancer(outcome.id(), serviceName, outcome.config().listenerPort(),
                        types.get(outcome.id())));
            }
            Inputs inputs = new Inputs(outcome, listening.get(outcome.id()),
                    serviceName == null ? null : managedService.apply(serviceName));
            Built before = built.get(outcome.id());
            Built now = before != null && inputs.same(before.inputs) ? before
                    : new Built(inputs, StatusBuilder.build(outcome, inputs.listener, inputs.managedService));
            next.put(outcome.id(), now);
            statuses.put(outcome.id(), now.status);
        }
        built = next;
        return new StatusWriter.Plan(statuses, services, gatewayPlan(gateways, listening, services));
    }

    /**
     * What the Gateway API objects' status is built from (on the writer's thread, against their
     * current status), and each served Gateway's managed Service, added to {@code services}.
     */
    private GatewayStatusWriter.Plan gatewayPlan(Map<ObjectKey, GatewayOutcome> gateways,
            Map<BalancerId, ListenerState> listening, List<ManagedServices.Want> services) {
        Map<ObjectKey, String> names = new HashMap<>();
        if (keepServices) {
            Set<BalancerId> serving = new HashSet<>();
            gateways.values().stream().filter(g -> !g.configs().isEmpty())
                    .forEach(g -> serving.add(new BalancerId(g.id().namespace(), g.id().name())));
            if (!serving.equals(gatewayServiceNames.keySet())) {
                gatewayServiceNames = ManagedServiceNames.assignGateways(serving);
            }
            gatewayServiceNames.forEach((id, name) -> names.put(new ObjectKey(id.namespace(), id.name()), name));
            for (GatewayOutcome gateway : gateways.values()) {
                String name = names.get(gateway.id());
                if (name != null) {
                    services.add(ManagedServices.Want.gateway(gateway.id(), name,
                            gateway.configs().stream().map(BalancerConfig::listenerPort).toList(), GATEWAY_SERVICE_TYPE));
                }
            }
        }
        Map<ObjectKey, List<ParentResult>> routes = new HashMap<>();
        for (GatewayOutcome gateway : gateways.values()) {
            for (ParentResult parent : gateway.candidate().parents()) {
                routes.computeIfAbsent(parent.route(), k -> new ArrayList<>()).add(parent);
            }
        }
        return new GatewayStatusWriter.Plan(gateways, names, listening, routes);
    }
}
