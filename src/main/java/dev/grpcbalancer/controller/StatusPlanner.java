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
 * run that touched one balancer of a thousand builds one status; the others keep their status,
 * managed Service type and {@link ManagedServices.Want} instances (the writer then compares them by
 * identity). Owned by the reconcile thread.
 */
final class StatusPlanner {

    /**
     * What one balancer's status was built from (outcome and managed Service compare by identity, the
     * listener state by value), and what came out: the status, the managed Service's type (none:
     * {@link ManagedServiceSpec#NONE}) and what is wanted of it (null when none).
     */
    private record Built(BalancerOutcome outcome, ListenerState listener, Service managedService, DesiredStatus status,
            String serviceType, ManagedServices.Want want) {

        boolean builtFrom(BalancerOutcome otherOutcome, ListenerState otherListener, Service otherService) {
            return outcome == otherOutcome && Objects.equals(listener, otherListener) && managedService == otherService;
        }

        /** Whether it wants the managed Service {@code name} (null: none). */
        private boolean wants(String name) {
            return want == null ? name == null : want.name().equals(name);
        }
    }

    /** The type of a Gateway's managed Service: a Gateway is where traffic enters the cluster. */
    static final String GATEWAY_SERVICE_TYPE = ManagedServiceSpec.LOAD_BALANCER;

    private final boolean keepServices;
    private final Function<String, Service> managedService;
    private Map<BalancerId, Built> built = Map.of();
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
        // The service type depends on the outcome only: a reused outcome keeps the type found before.
        boolean typedChanged = outcomes.size() != built.size();
        Map<BalancerId, String> types = new HashMap<>(outcomes.size() * 2);
        for (BalancerOutcome outcome : outcomes.values()) {
            Built before = built.get(outcome.id());
            String type = before != null && before.outcome == outcome ? before.serviceType : serviceType(outcome, lastValid);
            types.put(outcome.id(), type);
            typedChanged |= before == null || isKept(type) != isKept(before.serviceType);
        }
        if (typedChanged) {
            Set<BalancerId> typed = new HashSet<>();
            types.forEach((id, type) -> {
                if (isKept(type)) {
                    typed.add(id);
                }
            });
            serviceNames = ManagedServiceNames.assign(typed);
        }

        Map<BalancerId, Built> next = new HashMap<>(outcomes.size() * 2);
        Map<BalancerId, DesiredStatus> statuses = new HashMap<>(outcomes.size() * 2);
        List<ManagedServices.Want> services = new ArrayList<>();
        for (BalancerOutcome outcome : outcomes.values()) {
            BalancerId id = outcome.id();
            String type = types.get(id);
            String serviceName = isKept(type) ? serviceNames.get(id) : null;
            ListenerState listener = listening.get(id);
            Service service = serviceName == null ? null : managedService.apply(serviceName);
            Built before = built.get(id);
            Built now = before != null && before.builtFrom(outcome, listener, service) && before.wants(serviceName) ? before
                    : new Built(outcome, listener, service, StatusBuilder.build(outcome, listener, service), type,
                            want(outcome, serviceName, type, before));
            if (now.want != null) {
                services.add(now.want);
            }
            next.put(id, now);
            statuses.put(id, now.status);
        }
        built = next;
        return new StatusWriter.Plan(statuses, services, gatewayPlan(gateways, listening, services));
    }

    /** What is wanted of the balancer's managed Service; the instance before when equal. */
    private static ManagedServices.Want want(BalancerOutcome outcome, String serviceName, String type, Built before) {
        if (serviceName == null) {
            return null;
        }
        ManagedServices.Want want = ManagedServices.Want.balancer(outcome.id(), serviceName, outcome.config().listenerPort(),
                type);
        return before != null && want.equals(before.want) ? before.want : want;
    }

    /** The managed Service type a balancer's outcome asks for; {@link ManagedServiceSpec#NONE} when none is kept. */
    private String serviceType(BalancerOutcome outcome, Map<BalancerId, GrpcBalancer> lastValid) {
        return !keepServices || outcome.config() == null ? ManagedServiceSpec.NONE
                : SpecValidation.serviceTypeOf(lastValid.get(outcome.id()).getSpec());
    }

    private static boolean isKept(String type) {
        return !ManagedServiceSpec.NONE.equals(type);
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
