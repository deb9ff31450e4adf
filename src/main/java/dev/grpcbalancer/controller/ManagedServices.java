package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.translate.gateway.ObjectKey;
import dev.grpcbalancer.snapshot.BalancerId;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Services the controller keeps in its own namespace, one per running balancer and one per
 * served Gateway (with a port per listener port), so clients reach the balancer pods on the
 * listener ports. Only the leader calls {@link #sync}; every Service it owns carries
 * {@link #MANAGED_BY_LABEL}, so Services of deleted balancers and Gateways (also those deleted
 * while no controller ran) are found and removed.
 */
final class ManagedServices {

    private static final Logger log = LoggerFactory.getLogger(ManagedServices.class);

    static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    static final String MANAGED_BY = "grpc-balancer";
    static final String BALANCER_NAMESPACE_LABEL = "grpcbalancer.dev/balancer-namespace";
    static final String BALANCER_NAME_LABEL = "grpcbalancer.dev/balancer-name";
    static final String BALANCER_ANNOTATION = "grpcbalancer.dev/balancer";
    static final String GATEWAY_NAMESPACE_LABEL = "grpcbalancer.dev/gateway-namespace";
    static final String GATEWAY_NAME_LABEL = "grpcbalancer.dev/gateway-name";
    static final String GATEWAY_ANNOTATION = "grpcbalancer.dev/gateway";

    /**
     * What one balancer or Gateway needs: its Service's name, its ports and the Service type
     * ({@code None} never gets here).
     *
     * @param owner how logs name the owner, e.g. {@code shop/greeter} or {@code Gateway shop/web}
     * @param labels the labels that tie the Service to its owner (besides the managed-by label)
     * @param annotations the annotation that names the owner
     */
    record Want(String owner, String name, List<Integer> ports, String type, Map<String, String> labels,
            Map<String, String> annotations) {

        Want {
            requireNonNull(owner, "owner");
            requireNonNull(name, "name");
            ports = List.copyOf(requireNonNull(ports, "ports"));
            requireNonNull(type, "type");
            labels = Map.copyOf(requireNonNull(labels, "labels"));
            annotations = Map.copyOf(requireNonNull(annotations, "annotations"));
            if (ports.isEmpty()) {
                throw new IllegalArgumentException("a managed Service needs a port: " + owner);
            }
        }

        /** A GrpcBalancer's Service: its listener port. */
        static Want balancer(BalancerId id, String name, int port, String type) {
            return new Want(id.toString(), name, List.of(port), type,
                    Map.of(BALANCER_NAMESPACE_LABEL, id.namespace(), BALANCER_NAME_LABEL, id.name()),
                    Map.of(BALANCER_ANNOTATION, id.toString()));
        }

        /** A Gateway's Service: one port per port of its listeners that it serves. */
        static Want gateway(ObjectKey gateway, String name, List<Integer> ports, String type) {
            return new Want("Gateway " + gateway, name, ports, type,
                    Map.of(GATEWAY_NAMESPACE_LABEL, gateway.namespace(), GATEWAY_NAME_LABEL, gateway.name()),
                    Map.of(GATEWAY_ANNOTATION, gateway.toString()));
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> podSelector;
    private final AtomicLong failures = new AtomicLong();
    /**
     * Per Service name, the want and the informer's Service object that were last found to match:
     * while both are the same, the next sync skips the comparison. Only the writer thread uses it.
     */
    private final Map<String, Verified> verified = new HashMap<>();
    /** The wants of the last sync when it verified every one and deleted nothing, else null. */
    private Collection<Want> allVerified;

    private record Verified(Want want, Service service) {
    }

    ManagedServices(KubernetesClient client, String namespace, Map<String, String> podSelector) {
        this.client = requireNonNull(client, "client");
        this.namespace = requireNonNull(namespace, "namespace");
        this.podSelector = Map.copyOf(podSelector);
    }

    /** The Service {@code want} calls for. */
    Service desired(Want want) {
        Map<String, String> labels = new HashMap<>(want.labels());
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        return new ServiceBuilder()
                .withNewMetadata()
                    .withName(want.name())
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .withAnnotations(want.annotations())
                .endMetadata()
                .withNewSpec()
                    .withType(want.type())
                    .withSelector(podSelector)
                    .withPorts(ports(want.ports(), List.of()))
                .endSpec()
                .build();
    }

    /**
     * Creates, updates and deletes Services so that exactly {@code wants} exist. {@code existing}
     * are the managed Services as the informer last saw them. API errors are logged per Service,
     * counted ({@link #failures()}) and retried at the next sync. A Service whose want and informer
     * object are the ones last found to match is not compared again, so a sync over a thousand
     * unchanged balancers builds no Service objects.
     *
     * @return how many writes were made
     */
    int sync(Collection<Want> wants, Collection<Service> existing) {
        if (wants == allVerified && nothingNew(existing)) {
            return 0; // the same wants, each verified against the informer object that is still there
        }
        Map<String, Service> byName = new HashMap<>();
        existing.forEach(service -> byName.put(service.getMetadata().getName(), service));
        int writes = 0;
        Map<String, Verified> stillVerified = new HashMap<>();
        for (Want want : wants) {
            Service current = byName.remove(want.name());
            Verified known = verified.get(want.name());
            if (current != null && known != null && known.service == current && known.want.equals(want)) {
                stillVerified.put(want.name(), known);
                continue;
            }
            Service desired = desired(want);
            try {
                if (current == null) {
                    client.services().inNamespace(namespace).resource(desired).create();
                    log.info("[{}] created Service {}/{} ({} on port {})", want.owner(), namespace,
                            desired.getMetadata().getName(), want.type(), describe(want.ports()));
                    writes++;
                } else if (!matches(current, desired)) {
                    client.services().inNamespace(namespace).resource(updated(current, desired)).update();
                    log.info("[{}] updated Service {}/{} ({} on port {})", want.owner(), namespace,
                            desired.getMetadata().getName(), want.type(), describe(want.ports()));
                    writes++;
                } else {
                    stillVerified.put(want.name(), new Verified(want, current));
                }
            } catch (KubernetesClientException e) {
                failures.incrementAndGet();
                log.warn("[{}] could not write Service {}/{}: {}", want.owner(), namespace,
                        desired.getMetadata().getName(), e.getMessage());
            }
        }
        for (Service orphan : byName.values()) {
            try {
                client.services().inNamespace(namespace).withName(orphan.getMetadata().getName()).delete();
                log.info("deleted Service {}/{}: its owner {} is gone or not running", namespace,
                        orphan.getMetadata().getName(), ownerOf(orphan));
                writes++;
            } catch (KubernetesClientException e) {
                failures.incrementAndGet();
                log.warn("could not delete Service {}/{}: {}", namespace, orphan.getMetadata().getName(), e.getMessage());
            }
        }
        verified.clear();
        verified.putAll(stillVerified);
        allVerified = byName.isEmpty() && stillVerified.size() == wants.size() ? wants : null;
        return writes;
    }

    /** Service creates, updates and deletes that failed so far. */
    long failures() {
        return failures.get();
    }

    private static boolean matches(Service current, Service desired) {
        List<ServicePort> ports = current.getSpec() == null ? null : current.getSpec().getPorts();
        List<ServicePort> wanted = desired.getSpec().getPorts();
        if (ports == null || ports.size() != wanted.size()) {
            return false;
        }
        for (int i = 0; i < wanted.size(); i++) {
            ServicePort port = ports.get(i);
            ServicePort want = wanted.get(i);
            if (!Objects.equals(port.getPort(), want.getPort()) || !Objects.equals(port.getTargetPort(), want.getTargetPort())
                    || !Objects.equals(port.getName(), want.getName())
                    || !Objects.equals(port.getAppProtocol(), want.getAppProtocol())) {
                return false;
            }
        }
        return Objects.equals(current.getSpec().getType(), desired.getSpec().getType())
                && Objects.equals(current.getSpec().getSelector(), desired.getSpec().getSelector())
                && current.getMetadata().getLabels() != null
                && current.getMetadata().getLabels().entrySet().containsAll(desired.getMetadata().getLabels().entrySet());
    }

    /** {@code current} changed to {@code desired}, keeping what the API server assigned (cluster IP, node ports that still apply). */
    private static Service updated(Service current, Service desired) {
        List<ServicePort> kept = "ClusterIP".equals(desired.getSpec().getType()) || current.getSpec().getPorts() == null
                ? List.of() : current.getSpec().getPorts();
        Map<String, String> labels = new HashMap<>();
        if (current.getMetadata().getLabels() != null) {
            labels.putAll(current.getMetadata().getLabels());
        }
        labels.putAll(desired.getMetadata().getLabels());
        return new ServiceBuilder(current)
                .editMetadata().withLabels(labels).endMetadata()
                .editSpec()
                    .withType(desired.getSpec().getType())
                    .withSelector(desired.getSpec().getSelector())
                    .withPorts(ports(desired.getSpec().getPorts().stream().map(ServicePort::getPort).toList(), kept))
                .endSpec()
                .build();
    }

    /**
     * One Service port per listener port (port = target port), named {@code grpc} when it is the
     * only one and {@code grpc-<port>} otherwise; a node port of {@code kept} on the same port
     * stays.
     */
    private static List<ServicePort> ports(List<Integer> ports, List<ServicePort> kept) {
        List<ServicePort> list = new ArrayList<>();
        for (int port : ports) {
            Integer nodePort = kept.stream().filter(p -> Objects.equals(p.getPort(), port)).map(ServicePort::getNodePort)
                    .filter(Objects::nonNull).findFirst().orElse(null);
            list.add(new ServicePortBuilder()
                    .withName(ports.size() == 1 ? "grpc" : "grpc-" + port)
                    .withProtocol("TCP")
                    .withAppProtocol("kubernetes.io/h2c")
                    .withPort(port)
                    .withTargetPort(new IntOrString(port))
                    .withNodePort(nodePort)
                    .build());
        }
        return list;
    }

    private static String describe(List<Integer> ports) {
        return String.join(", ", ports.stream().map(String::valueOf).toList());
    }

    private static String ownerOf(Service service) {
        Map<String, String> annotations = service.getMetadata().getAnnotations();
        if (annotations == null) {
            return "?";
        }
        if (annotations.containsKey(GATEWAY_ANNOTATION)) {
            return "Gateway " + annotations.get(GATEWAY_ANNOTATION);
        }
        return annotations.getOrDefault(BALANCER_ANNOTATION, "?");
    }

    /** Whether {@code existing} are exactly the Service objects the last sync verified (no walk builds anything). */
    private boolean nothingNew(Collection<Service> existing) {
        if (existing.size() != verified.size()) {
            return false;
        }
        for (Service service : existing) {
            Verified known = verified.get(service.getMetadata().getName());
            if (known == null || known.service != service) {
                return false;
            }
        }
        return true;
    }

    /** The label selector of every managed Service, for the informer that watches them. */
    static Map<String, String> ownedSelector() {
        return Map.of(MANAGED_BY_LABEL, MANAGED_BY);
    }

}
