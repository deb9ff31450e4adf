package dev.grpcbalancer.controller.translate.gateway;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.translate.tls.KeyMaterialCache;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.ListenerTls;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.Route;
import dev.grpcbalancer.snapshot.TlsCertificate;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayClass;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Listener;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Translates one Gateway of this controller, with the GRPCRoutes that name it and the Services
 * they reference, into what the data plane runs on each of its ports and the facts of its status
 * and its routes' status. Pure: the cluster is read through a {@link GatewayCluster}, and every
 * read is recorded in the candidate's inputs.
 *
 * <p>Each port of the Gateway's usable listeners becomes one data-plane listener (its
 * {@link BalancerId} is {@link #listenerId}), whose routes are the rules of the GRPCRoutes attached
 * to listeners on that port, each narrowed to the hostnames it shares with those listeners. Routes
 * are ordered by GRPCRoute's tie-breakers (oldest first, then namespace/name), then by rule, so
 * the data plane's precedence (host, method, headers, then this order) is GRPCRoute's.
 *
 * <p>A parentRef attaches its route to the listeners it selects ({@code sectionName},
 * {@code port}; none of them: {@code NoMatchingParent}) that are usable and allow the route's
 * namespace and kind ({@code NotAllowedByListeners} otherwise) and share a hostname with it
 * ({@code NoMatchingListenerHostname} otherwise).
 */
public final class GatewayTranslator {

    /** The prefix of the names of Gateway listeners' balancer ids. */
    private static final String LISTENER_PREFIX = "gateway/";

    private static final Comparator<GRPCRoute> ROUTE_ORDER = Comparator
            .comparing((GRPCRoute route) -> createdAt(route.getMetadata().getCreationTimestamp()),
                    Comparator.nullsLast(Comparator.<OffsetDateTime>naturalOrder()))
            .thenComparing(ObjectKey::of);

    private GatewayTranslator() {
    }

    /**
     * The data-plane balancer of the listeners on {@code port} of a Gateway:
     * {@code <namespace>/gateway/<name>:<port>} (a GrpcBalancer's name cannot hold a {@code /}).
     */
    public static BalancerId listenerId(ObjectKey gateway, int port) {
        return new BalancerId(gateway.namespace(), LISTENER_PREFIX + gateway.name() + ":" + port);
    }

    /** Whether {@code id} is the balancer of a Gateway's port ({@link #listenerId}). */
    public static boolean isGatewayListener(BalancerId id) {
        return id.name().startsWith(LISTENER_PREFIX) && id.name().lastIndexOf(':') > LISTENER_PREFIX.length();
    }

    /** How messages name the owner of a balancer id: {@code Gateway shop/web} or {@code GrpcBalancer shop/greeter}. */
    public static String describe(BalancerId id) {
        String name = id.name();
        return isGatewayListener(id)
                ? "Gateway " + id.namespace() + "/" + name.substring(LISTENER_PREFIX.length(), name.lastIndexOf(':'))
                : "GrpcBalancer " + id;
    }

    /** Whether {@code gatewayClass} is handled by this controller (its {@code spec.controllerName}). */
    public static boolean isOurs(GatewayClass gatewayClass) {
        return gatewayClass != null && gatewayClass.getSpec() != null
                && GatewayApi.CONTROLLER_NAME.equals(gatewayClass.getSpec().getControllerName());
    }

    /** Why this controller does not accept a class of its own, or {@code null} when it does. */
    public static Problem classProblem(GatewayClass gatewayClass) {
        if (gatewayClass.getSpec().getParametersRef() != null) {
            return new Problem(GatewayApi.INVALID_PARAMETERS, "parametersRef is not supported: this controller takes"
                    + " no parameters");
        }
        return null;
    }

    /**
     * The Gateways a route's parentRefs name ({@code group} gateway.networking.k8s.io and kind
     * Gateway, the defaults; namespace defaults to the route's), each once.
     */
    public static List<ObjectKey> parentGateways(GRPCRoute route) {
        List<ObjectKey> gateways = new ArrayList<>();
        if (route.getSpec() == null || route.getSpec().getParentRefs() == null) {
            return gateways;
        }
        for (ParentReference ref : route.getSpec().getParentRefs()) {
            ObjectKey gateway = gatewayOf(ref, route.getMetadata().getNamespace());
            if (gateway != null && !gateways.contains(gateway)) {
                gateways.add(gateway);
            }
        }
        return gateways;
    }

    private static ObjectKey gatewayOf(ParentReference ref, String routeNamespace) {
        if (ref == null || ref.getName() == null
                || !GatewayApi.GROUP.equals(GatewayApi.groupOr(ref.getGroup(), GatewayApi.GROUP))
                || !GatewayApi.GATEWAY.equals(GatewayApi.kindOr(ref.getKind(), GatewayApi.GATEWAY))) {
            return null;
        }
        return new ObjectKey(ref.getNamespace() == null ? routeNamespace : ref.getNamespace(), ref.getName());
    }

    /**
     * Translates {@code gateway}; empty when its class is not one of this controller's (then
     * nothing is written about it). The candidate's inputs hold every lookup, including the
     * class's (so that a class created later brings the Gateway in).
     */
    public static Optional<GatewayCandidate> candidate(Gateway gateway, GatewayCluster cluster) {
        return candidate(gateway, cluster, new KeyMaterialCache(), Instant.now(), Map.of());
    }

    /**
     * {@link #candidate(Gateway, GatewayCluster)} with certificates checked at {@code now}.
     *
     * @param keys parsed key material by content, kept by the caller between runs
     * @param running the configs the data plane runs now, by id: a broken certificate reference
     *     keeps the certificate of the same Secret that its port serves
     */
    public static Optional<GatewayCandidate> candidate(Gateway gateway, GatewayCluster cluster, KeyMaterialCache keys,
            Instant now, Map<BalancerId, BalancerConfig> running) {
        requireNonNull(gateway, "gateway");
        requireNonNull(keys, "keys");
        requireNonNull(now, "now");
        requireNonNull(running, "running");
        GatewayReads reads = new GatewayReads(requireNonNull(cluster, "cluster"));
        ObjectKey id = ObjectKey.of(gateway);
        String className = gateway.getSpec() == null ? null : gateway.getSpec().getGatewayClassName();
        GatewayClass gatewayClass = className == null ? null : reads.gatewayClass(className);
        if (!isOurs(gatewayClass)) {
            return Optional.empty();
        }
        Problem notAccepted = gatewayProblem(gateway, gatewayClass);
        Instant[] recheckAt = {Instant.MAX};
        List<ListenerCheck> listeners = notAccepted != null ? Listeners.check(gateway)
                : withCertificates(gateway, Listeners.check(gateway), reads, keys, now, running, recheckAt);

        Map<String, Integer> attached = new HashMap<>();
        listeners.forEach(l -> attached.put(l.name(), 0));
        Map<Integer, List<Route>> routesByPort = new TreeMap<>();
        List<ParentResult> parents = new ArrayList<>();
        List<GRPCRoute> routes = new ArrayList<>(reads.grpcRoutes(id.namespace(), id.name()));
        routes.removeIf(route -> route.getMetadata() == null || route.getMetadata().getName() == null);
        routes.sort(ROUTE_ORDER);
        for (GRPCRoute route : routes) {
            attach(id, route, notAccepted == null ? listeners : List.of(), reads, attached, routesByPort, parents);
        }

        Map<Integer, BalancerConfig> ports = new TreeMap<>();
        if (notAccepted == null) {
            Long generation = gateway.getMetadata().getGeneration();
            // per port, each HTTPS listener's certificates for the SNI names its hostname takes
            Map<Integer, List<ListenerTls.HostCertificates>> hostsByPort = new TreeMap<>();
            for (ListenerCheck listener : listeners) {
                if (listener.servable()) {
                    List<ListenerTls.HostCertificates> hosts = hostsByPort.computeIfAbsent(listener.port(),
                            p -> new ArrayList<>());
                    if (listener.https()) {
                        hosts.add(new ListenerTls.HostCertificates(listener.hostname(), listener.certificates()));
                    }
                }
            }
            hostsByPort.forEach((port, hosts) -> ports.put(port, new BalancerConfig(listenerId(id, port),
                    generation == null ? 0 : generation, port, LoadBalancingPolicy.RoundRobin, BackendSet.EMPTY)
                    .withRoutes(routesByPort.getOrDefault(port, List.of()))
                    .withListenerTls(hosts.isEmpty() ? ListenerTls.PLAINTEXT : new ListenerTls(hosts,
                            ListenerTls.ClientValidation.NONE))));
        }
        return Optional.of(new GatewayCandidate(id, gateway, notAccepted, listeners, attached, ports, parents,
                reads.read(), recheckAt[0]));
    }

    /**
     * The listeners with the certificates of the HTTPS ones resolved ({@link ListenerCertificates});
     * a port takes at most {@link ListenerTls#MAX_CERTIFICATES} distinct ones, in listener order.
     */
    private static List<ListenerCheck> withCertificates(Gateway gateway, List<ListenerCheck> listeners,
            GatewayCluster cluster, KeyMaterialCache keys, Instant now, Map<BalancerId, BalancerConfig> running,
            Instant[] recheckAt) {
        ObjectKey id = ObjectKey.of(gateway);
        Map<String, Listener> specs = new HashMap<>();
        gateway.getSpec().getListeners().stream().filter(l -> l != null && l.getName() != null)
                .forEach(l -> specs.putIfAbsent(l.getName(), l));
        Map<Integer, Set<TlsCertificate>> perPort = new HashMap<>();
        List<ListenerCheck> checked = new ArrayList<>();
        for (ListenerCheck listener : listeners) {
            if (!listener.https() || !listener.usable()) {
                checked.add(listener);
                continue;
            }
            BalancerConfig serving = running.get(listenerId(id, listener.port()));
            ListenerCertificates.Resolved resolved = ListenerCertificates.resolve(specs.get(listener.name()),
                    id.namespace(), cluster, keys, now, serving == null ? List.of() : serving.listenerTls().certificates());
            recheckAt[0] = resolved.recheckAt().isBefore(recheckAt[0]) ? resolved.recheckAt() : recheckAt[0];
            Set<TlsCertificate> port = perPort.computeIfAbsent(listener.port(), p -> new HashSet<>());
            List<TlsCertificate> taken = new ArrayList<>();
            for (TlsCertificate certificate : resolved.certificates()) {
                if (port.contains(certificate) || port.size() < ListenerTls.MAX_CERTIFICATES) {
                    port.add(certificate); // a Secret two listeners of the port name counts once
                    taken.add(certificate);
                }
            }
            Problem problem = resolved.problem();
            if (taken.size() < resolved.certificates().size()) {
                Problem full = new Problem(GatewayApi.INVALID_CERTIFICATE_REF, "a port serves at most "
                        + ListenerTls.MAX_CERTIFICATES + " certificates: "
                        + (resolved.certificates().size() - taken.size()) + " of this listener left out");
                problem = problem == null ? full : new Problem(problem.reason(), problem.message() + "; " + full.message());
            }
            checked.add(listener.withCertificates(taken, problem));
        }
        return List.copyOf(checked);
    }

    private static Problem gatewayProblem(Gateway gateway, GatewayClass gatewayClass) {
        Problem classProblem = classProblem(gatewayClass);
        if (classProblem != null) {
            return new Problem(GatewayApi.INVALID, "GatewayClass " + gatewayClass.getMetadata().getName()
                    + " is not accepted: " + classProblem.message());
        }
        if (gateway.getSpec().getAddresses() != null && !gateway.getSpec().getAddresses().isEmpty()) {
            return new Problem(GatewayApi.UNSUPPORTED_ADDRESS, "spec.addresses is not supported: the Gateway's"
                    + " addresses are those of the Service the controller keeps for it");
        }
        return null;
    }

    /** Attaches {@code route} through each of its parentRefs that names this Gateway. */
    private static void attach(ObjectKey gateway, GRPCRoute route, List<ListenerCheck> listeners, GatewayCluster cluster,
            Map<String, Integer> attached, Map<Integer, List<Route>> routesByPort, List<ParentResult> parents) {
        ObjectKey key = ObjectKey.of(route);
        List<String> hostnames = route.getSpec() == null || route.getSpec().getHostnames() == null ? List.of()
                : route.getSpec().getHostnames();
        RouteRules.Translated rules = RouteRules.translate(route, cluster);
        Long generation = route.getMetadata().getGeneration();
        // Per port, the hostnames of each listener it attached to there.
        Map<Integer, Map<String, List<String>>> served = new TreeMap<>();
        List<ParentReference> refs = route.getSpec().getParentRefs();
        for (int i = 0; i < refs.size(); i++) {
            ParentReference ref = refs.get(i);
            if (!gateway.equals(gatewayOf(ref, key.namespace()))) {
                continue;
            }
            Map<ListenerCheck, List<String>> matched = new LinkedHashMap<>();
            Problem problem = match(ref, route, hostnames, listeners, cluster, matched);
            if (problem == null && rules.routes().isEmpty() && !rules.dropped().isEmpty()) {
                problem = new Problem(GatewayApi.UNSUPPORTED_VALUE, "no rule can be served: "
                        + String.join("; ", rules.dropped()));
            }
            if (problem == null) {
                matched.forEach((listener, names) -> {
                    served.computeIfAbsent(listener.port(), p -> new LinkedHashMap<>()).putIfAbsent(listener.name(), names);
                });
            }
            parents.add(new ParentResult(key, generation == null ? 0 : generation, i, ref, problem, rules.unresolved(),
                    rules.dropped()));
        }
        served.values().forEach(byListener -> byListener.keySet().forEach(name -> attached.merge(name, 1, Integer::sum)));
        served.forEach((port, byListener) -> {
            List<String> portHosts = Hostnames.union(byListener.values());
            for (Route rule : rules.routes()) {
                routesByPort.computeIfAbsent(port, p -> new ArrayList<>()).add(new Route(rule.name(), portHosts,
                        rule.matches(), rule.backends(), rule.policy(), rule.filters()));
            }
        });
    }

    /**
     * The listeners one parentRef attaches its route to, with the hostnames it serves on each, put
     * into {@code matched}; or why it attaches to none.
     */
    private static Problem match(ParentReference ref, GRPCRoute route, List<String> hostnames,
            List<ListenerCheck> listeners, GatewayCluster cluster, Map<ListenerCheck, List<String>> matched) {
        List<ListenerCheck> selected = listeners.stream()
                .filter(l -> ref.getSectionName() == null || ref.getSectionName().equals(l.name()))
                .filter(l -> ref.getPort() == null || ref.getPort() == l.port())
                .toList();
        if (selected.isEmpty()) {
            return new Problem(GatewayApi.NO_MATCHING_PARENT, listeners.isEmpty() ? "the Gateway is not accepted"
                    : "the Gateway has no listener" + (ref.getSectionName() == null ? "" : " named " + ref.getSectionName())
                    + (ref.getPort() == null ? "" : " on port " + ref.getPort()));
        }
        String namespace = route.getMetadata().getNamespace();
        String gatewayNamespace = ref.getNamespace() == null ? namespace : ref.getNamespace();
        List<ListenerCheck> allowing = new ArrayList<>();
        for (ListenerCheck listener : selected) {
            if (listener.takesGrpcRoutes() && allows(listener, namespace, gatewayNamespace, cluster)) {
                allowing.add(listener);
            }
        }
        if (allowing.isEmpty()) {
            return new Problem(GatewayApi.NOT_ALLOWED_BY_LISTENERS, "no listener of "
                    + names(selected) + " accepts GRPCRoutes from namespace " + namespace);
        }
        for (ListenerCheck listener : allowing) {
            Hostnames.intersect(listener.hostname(), hostnames).ifPresent(names -> matched.put(listener, names));
        }
        if (matched.isEmpty()) {
            return new Problem(GatewayApi.NO_MATCHING_LISTENER_HOSTNAME, "the route's hostnames " + hostnames
                    + " match no hostname of listener(s) " + names(allowing));
        }
        return null;
    }

    private static boolean allows(ListenerCheck listener, String routeNamespace, String gatewayNamespace,
            GatewayCluster cluster) {
        return switch (listener.from()) {
            case GatewayApi.FROM_ALL -> true;
            case GatewayApi.FROM_SELECTOR -> {
                Map<String, String> labels = cluster.namespaceLabels(routeNamespace);
                yield labels != null && LabelSelectors.matches(listener.selector(), labels);
            }
            default -> routeNamespace.equals(gatewayNamespace);
        };
    }

    private static String names(List<ListenerCheck> listeners) {
        return String.join(", ", listeners.stream().map(ListenerCheck::name).toList());
    }

    private static OffsetDateTime createdAt(String timestamp) {
        try {
            return timestamp == null ? null : OffsetDateTime.parse(timestamp);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
