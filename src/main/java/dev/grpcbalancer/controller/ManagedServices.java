package dev.grpcbalancer.controller;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BalancerId;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Services the controller keeps in its own namespace, one per running balancer, so clients
 * reach the balancer pods on the listener port. Only the leader calls {@link #sync}; every
 * Service it owns carries {@link #MANAGED_BY_LABEL}, so Services of deleted balancers (also those
 * deleted while no controller ran) are found and removed.
 */
final class ManagedServices {

    private static final Logger log = LoggerFactory.getLogger(ManagedServices.class);

    static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    static final String MANAGED_BY = "grpc-balancer";
    static final String BALANCER_NAMESPACE_LABEL = "grpcbalancer.dev/balancer-namespace";
    static final String BALANCER_NAME_LABEL = "grpcbalancer.dev/balancer-name";
    static final String BALANCER_ANNOTATION = "grpcbalancer.dev/balancer";

    /** What one balancer needs: its Service's name, its listener port and the Service type ({@code None} never gets here). */
    record Want(BalancerId id, String name, int port, String type) {

        Want {
            requireNonNull(id, "id");
            requireNonNull(name, "name");
            requireNonNull(type, "type");
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

    private record Verified(Want want, Service service) {
    }

    ManagedServices(KubernetesClient client, String namespace, Map<String, String> podSelector) {
        this.client = requireNonNull(client, "client");
        this.namespace = requireNonNull(namespace, "namespace");
        this.podSelector = Map.copyOf(podSelector);
    }

    /** The Service {@code want} calls for. */
    Service desired(Want want) {
        Map<String, String> labels = new HashMap<>();
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(BALANCER_NAMESPACE_LABEL, want.id().namespace());
        labels.put(BALANCER_NAME_LABEL, want.id().name());
        return new ServiceBuilder()
                .withNewMetadata()
                    .withName(want.name())
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .withAnnotations(Map.of(BALANCER_ANNOTATION, want.id().toString()))
                .endMetadata()
                .withNewSpec()
                    .withType(want.type())
                    .withSelector(podSelector)
                    .withPorts(port(want.port(), null))
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
                    log.info("[{}] created Service {}/{} ({} on port {})", want.id(), namespace,
                            desired.getMetadata().getName(), want.type(), want.port());
                    writes++;
                } else if (!matches(current, desired)) {
                    client.services().inNamespace(namespace).resource(updated(current, desired)).update();
                    log.info("[{}] updated Service {}/{} ({} on port {})", want.id(), namespace,
                            desired.getMetadata().getName(), want.type(), want.port());
                    writes++;
                } else {
                    stillVerified.put(want.name(), new Verified(want, current));
                }
            } catch (KubernetesClientException e) {
                failures.incrementAndGet();
                log.warn("[{}] could not write Service {}/{}: {}", want.id(), namespace,
                        desired.getMetadata().getName(), e.getMessage());
            }
        }
        for (Service orphan : byName.values()) {
            try {
                client.services().inNamespace(namespace).withName(orphan.getMetadata().getName()).delete();
                log.info("deleted Service {}/{}: its balancer {} is gone or not running", namespace,
                        orphan.getMetadata().getName(), orphan.getMetadata().getAnnotations() == null ? "?"
                                : orphan.getMetadata().getAnnotations().get(BALANCER_ANNOTATION));
                writes++;
            } catch (KubernetesClientException e) {
                failures.incrementAndGet();
                log.warn("could not delete Service {}/{}: {}", namespace, orphan.getMetadata().getName(), e.getMessage());
            }
        }
        verified.clear();
        verified.putAll(stillVerified);
        return writes;
    }

    /** Service creates, updates and deletes that failed so far. */
    long failures() {
        return failures.get();
    }

    private static boolean matches(Service current, Service desired) {
        if (current.getSpec() == null || current.getSpec().getPorts() == null || current.getSpec().getPorts().size() != 1) {
            return false;
        }
        ServicePort port = current.getSpec().getPorts().get(0);
        ServicePort want = desired.getSpec().getPorts().get(0);
        return Objects.equals(current.getSpec().getType(), desired.getSpec().getType())
                && Objects.equals(current.getSpec().getSelector(), desired.getSpec().getSelector())
                && Objects.equals(port.getPort(), want.getPort())
                && Objects.equals(port.getTargetPort(), want.getTargetPort())
                && Objects.equals(port.getName(), want.getName())
                && Objects.equals(port.getAppProtocol(), want.getAppProtocol())
                && current.getMetadata().getLabels() != null
                && current.getMetadata().getLabels().entrySet().containsAll(desired.getMetadata().getLabels().entrySet());
    }

    /** {@code current} changed to {@code desired}, keeping what the API server assigned (cluster IP, a node port that still applies). */
    private static Service updated(Service current, Service desired) {
        boolean keepsNodePort = !"ClusterIP".equals(desired.getSpec().getType())
                && current.getSpec().getPorts() != null && current.getSpec().getPorts().size() == 1
                && Objects.equals(current.getSpec().getPorts().get(0).getPort(), desired.getSpec().getPorts().get(0).getPort());
        Integer nodePort = keepsNodePort ? current.getSpec().getPorts().get(0).getNodePort() : null;
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
                    .withPorts(port(desired.getSpec().getPorts().get(0).getPort(), nodePort))
                .endSpec()
                .build();
    }

    private static ServicePort port(int port, Integer nodePort) {
        return new ServicePortBuilder()
                .withName("grpc")
                .withProtocol("TCP")
                .withAppProtocol("kubernetes.io/h2c")
                .withPort(port)
                .withTargetPort(new IntOrString(port))
                .withNodePort(nodePort)
                .build();
    }

    /** The label selector of every managed Service, for the informer that watches them. */
    static Map<String, String> ownedSelector() {
        return Map.of(MANAGED_BY_LABEL, MANAGED_BY);
    }

}
