package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.ManagedServiceSpec;
import dev.grpcbalancer.controller.status.DesiredStatus;
import dev.grpcbalancer.controller.status.StatusBuilder;
import dev.grpcbalancer.controller.translate.BalancerOutcome;
import dev.grpcbalancer.controller.translate.ClusterTranslator;
import dev.grpcbalancer.controller.translate.InputRef;
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
 * what it is built from changed: its outcome (the translator names the balancers whose outcome is a
 * new instance, {@link ClusterTranslator.Result#changed()}), its listener's state, or its managed
 * Service object (a changed Service ref of the controller's namespace). Only those balancers are
 * looked at: a run that touched one balancer of a thousand builds one status and looks up one
 * managed Service; the others keep their status, managed Service type and
 * {@link ManagedServices.Want} instances (the writer then compares them by identity). Every
 * balancer is visited again only when the set of managed Service names must be assigned anew (a
 * balancer came, went, or started or stopped keeping a Service) or a listener came, went or
 * changed its state. Owned by the reconcile thread; plans every result of the translator, in order.
 */
final class StatusPlanner {

    /**
     * What one balancer's status was built from (outcome and managed Service compare by identity, the
     * listener state by value), and what came out: the status, the managed Service's type (none:
     * {@link ManagedServiceSpec#NONE}) and what is wanted of it (null when none).
     */
    private record Built(BalancerOutcome outcome, ListenerState listener, Service managedService, DesiredStatus status,
            String serviceType, ManagedServices.Want want) {
    }

    /** The type of a Gateway's managed Service: a Gateway is where traffic enters the cluster. */
    static final String GATEWAY_SERVICE_TYPE = ManagedServiceSpec.LOAD_BALANCER;

    private final boolean keepServices;
    private final String controllerNamespace;
    private final Function<String, Service> managedService;
    private final Map<BalancerId, Built> built = new HashMap<>();
    private Map<BalancerId, String> serviceNames = Map.of();
    /** The balancer of each managed Service name in {@link #serviceNames}. */
    private Map<String, BalancerId> serviceOwners = Map.of();
    private Map<BalancerId, String> gatewayServiceNames = Map.of();
    private ClusterTranslator.Memo planned;
    private Map<BalancerId, ListenerState> listenedTo = Map.of();
    /** The status of each balancer in {@link #built}, kept in step with it. */
    private final Map<BalancerId, DesiredStatus> statusById = new HashMap<>();
    /** The last plan's statuses: an immutable copy of {@link #statusById}, made again only when it changed. */
    private Map<BalancerId, DesiredStatus> statuses = Map.of();
    private List<ManagedServices.Want> wants = List.of();
    /** Balancers visited by the last {@link #plan} (for tests: the work follows the change). */
    private int visited;

    /**
     * @param keepServices whether managed Services are kept (a pod selector is configured)
     * @param controllerNamespace where the managed Services live
     * @param managedService the managed Service of a name, as the informer shows it, or null
     */
    StatusPlanner(boolean keepServices, String controllerNamespace, Function<String, Service> managedService) {
        this.keepServices = keepServices;
        this.controllerNamespace = requireNonNull(controllerNamespace, "controllerNamespace");
        this.managedService = requireNonNull(managedService, "managedService");
    }

    /**
     * @param result this run's translation (every result is planned, in order: its {@code changed}
     *     and {@code removed} are relative to the one before)
     * @param lastValid the specs the running balancers were built from
     * @param listening the data plane's listener states (the same instance while none changed)
     * @param changedInputs the inputs that changed since the last run: managed Services among them
     */
    StatusWriter.Plan plan(ClusterTranslator.Result result, Map<BalancerId, GrpcBalancer> lastValid,
            Map<BalancerId, ListenerState> listening, Set<InputRef> changedInputs) {
        Map<BalancerId, BalancerOutcome> outcomes = result.outcomes();
        Set<BalancerId> look = new HashSet<>();
        if (result.memo() != planned) {
            look.addAll(result.changed());
            for (BalancerId gone : result.removed()) {
                built.remove(gone);
                statusById.remove(gone);
            }
            planned = result.memo();
        }
        if (listening != listenedTo) {
            // A listener came, went, bound or failed: rare next to endpoint changes, so a walk is fine.
            for (BalancerId id : outcomes.keySet()) {
                Built before = built.get(id);
                if (before == null || !Objects.equals(before.listener, listening.get(id))) {
                    look.add(id);
                }
            }
            listenedTo = listening;
        }
        for (InputRef ref : changedInputs) {
            BalancerId owner = InputRef.SERVICE.equals(ref.kind()) && controllerNamespace.equals(ref.namespace())
                    ? serviceOwners.get(ref.name()) : null;
            if (owner != null && outcomes.containsKey(owner)) {
                look.add(owner);
            }
        }
        // The service type depends on the outcome only: a reused outcome keeps the type found before.
        boolean namesChanged = !result.removed().isEmpty();
        Map<BalancerId, String> types = new HashMap<>(look.size() * 2);
        for (BalancerId id : look) {
            BalancerOutcome outcome = outcomes.get(id);
            Built before = built.get(id);
            String type = typeOf(outcome, before, lastValid);
            types.put(id, type);
            namesChanged |= before == null || isKept(type) != isKept(before.serviceType);
        }
        if (namesChanged) {
            Set<BalancerId> typed = new HashSet<>();
            for (BalancerId id : outcomes.keySet()) {
                Built before = built.get(id);
                if (isKept(types.containsKey(id) ? types.get(id) : before.serviceType)) {
                    typed.add(id);
                }
            }
            Map<BalancerId, String> names = ManagedServiceNames.assign(typed);
            // A balancer whose name changed must want the new one.
            typed.forEach(id -> {
                if (!Objects.equals(names.get(id), serviceNames.get(id))) {
                    look.add(id);
                }
            });
            serviceNames.keySet().stream().filter(id -> !names.containsKey(id) && outcomes.containsKey(id))
                    .forEach(look::add);
            serviceNames = names;
            Map<String, BalancerId> owners = new HashMap<>(names.size() * 2);
            names.forEach((id, name) -> owners.put(name, id));
            serviceOwners = owners;
        }

        boolean statusChanged = namesChanged;
        boolean wantChanged = namesChanged;
        for (BalancerId id : look) {
            BalancerOutcome outcome = outcomes.get(id);
            Built before = built.get(id);
            String type = types.containsKey(id) ? types.get(id) : typeOf(outcome, before, lastValid);
            String serviceName = isKept(type) ? serviceNames.get(id) : null;
            ListenerState listener = listening.get(id);
            Service service = serviceName == null ? null : managedService.apply(serviceName);
            Built now = before != null && before.outcome == outcome && Objects.equals(before.listener, listener)
                    && before.managedService == service && wants(before, serviceName) ? before
                    : new Built(outcome, listener, service, StatusBuilder.build(outcome, listener, service), type,
                            want(outcome, serviceName, type, before));
            if (now != before) {
                built.put(id, now);
                statusById.put(id, now.status);
                statusChanged |= before == null || now.status != before.status;
                wantChanged |= before == null || now.want != before.want;
            }
        }
        visited = look.size();
        if (statusChanged || statuses.size() != statusById.size()) {
            statuses = Map.copyOf(statusById);
        }
        if (wantChanged || !result.removed().isEmpty()) {
            List<ManagedServices.Want> next = new ArrayList<>();
            built.values().forEach(b -> {
                if (b.want != null) {
                    next.add(b.want);
                }
            });
            wants = List.copyOf(next);
        }
        List<ManagedServices.Want> gatewayWants = new ArrayList<>();
        GatewayStatusWriter.Plan gateways = gatewayPlan(result.gateways(), listening, gatewayWants);
        List<ManagedServices.Want> services = wants;
        if (!gatewayWants.isEmpty()) {
            services = new ArrayList<>(wants);
            services.addAll(gatewayWants);
        }
        return new StatusWriter.Plan(statuses, services, gateways);
    }

    /** How many balancers the last {@link #plan} looked at. */
    int visited() {
        return visited;
    }

    /** Whether {@code built} wants the managed Service {@code name} (null: none). */
    private static boolean wants(Built built, String name) {
        return built.want == null ? name == null : built.want.name().equals(name);
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

    /** The managed Service type of {@code outcome}: found before when it is the outcome {@code before} was built from. */
    private String typeOf(BalancerOutcome outcome, Built before, Map<BalancerId, GrpcBalancer> lastValid) {
        return before != null && before.outcome == outcome ? before.serviceType : serviceType(outcome, lastValid);
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
