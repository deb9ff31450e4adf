package dev.grpcbalancer.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.status.Conditions;
import dev.grpcbalancer.dataplane.DataPlane;
import dev.grpcbalancer.dataplane.DataPlaneSettings;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.ProxyFixture;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A controller under test: its own {@link DataPlane} on 127.0.0.1 (as {@link ProxyFixture}
 * configures it) fed by a {@link BalancerController} that watches {@code shop} through the given
 * client (fabric8's CRUD mock API server in the tests), with short timings.
 */
final class ControllerFixture implements AutoCloseable {

    static final String NAMESPACE = "shop";
    static final String CONTROLLER_NAMESPACE = "grpc-balancer";
    static final Map<String, String> POD_SELECTOR = Map.of("app.kubernetes.io/name", "grpc-balancer");
    static final Duration WAIT = Duration.ofSeconds(15);

    final KubernetesClient client;
    final DataPlane dataPlane;
    final BalancerController controller;

    private ControllerFixture(KubernetesClient client, ControllerSettings settings, BalancerController.Observer observer,
            DataPlaneSettings dataPlaneSettings) {
        this.client = client;
        this.dataPlane = new DataPlane(dataPlaneSettings);
        this.controller = new BalancerController(client, settings, dataPlane, dataPlane, Clock.systemUTC(), observer);
    }

    /** Settings for one replica that always writes (no leader election). */
    static ControllerSettings settings(String identity) {
        return ControllerSettings.defaults(CONTROLLER_NAMESPACE, identity)
                .withNamespaces(Set.of(NAMESPACE))
                .withLeaderElection(false, "grpc-balancer", ControllerSettings.LeaseTimings.DEFAULT)
                .withPodSelector(POD_SELECTOR)
                .withRecheck(Duration.ofMillis(500));
    }

    static ControllerFixture start(KubernetesClient client) throws InterruptedException {
        return start(client, settings("controller-0"), BalancerController.Observer.NONE);
    }

    static ControllerFixture start(KubernetesClient client, ControllerSettings settings, BalancerController.Observer observer)
            throws InterruptedException {
        return start(client, settings, observer, ProxyFixture.HOST);
    }

    /** A replica whose data plane listens on {@code bindAddress} (replicas in one test need distinct ones). */
    static ControllerFixture start(KubernetesClient client, ControllerSettings settings, BalancerController.Observer observer,
            String bindAddress) throws InterruptedException {
        return start(client, settings, observer, ProxyFixture.settings().withBindAddress(bindAddress));
    }

    /** A replica whose data plane runs with {@code dataPlaneSettings} (e.g. in a zone). */
    static ControllerFixture start(KubernetesClient client, ControllerSettings settings, BalancerController.Observer observer,
            DataPlaneSettings dataPlaneSettings) throws InterruptedException {
        ControllerFixture fixture = new ControllerFixture(client, settings, observer, dataPlaneSettings);
        fixture.controller.start(WAIT);
        return fixture;
    }

    GrpcBalancer balancer(String name) {
        return client.resources(GrpcBalancer.class).inNamespace(NAMESPACE).withName(name).get();
    }

    Optional<Condition> condition(String balancer, String type) {
        GrpcBalancer resource = balancer(balancer);
        if (resource == null || resource.getStatus() == null || resource.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return Conditions.find(resource.getStatus().getConditions(), type);
    }

    /** Waits until the balancer's condition {@code type} has {@code status} and {@code reason}; returns it. */
    Condition awaitCondition(String balancer, String type, String status, String reason) {
        Await.until(WAIT, () -> condition(balancer, type)
                        .filter(c -> status.equals(c.getStatus()) && reason.equals(c.getReason())).isPresent(),
                () -> balancer + " " + type + "=" + status + "/" + reason + "; status is "
                        + Optional.ofNullable(balancer(balancer)).map(GrpcBalancer::getStatus).orElse(null));
        Condition condition = condition(balancer, type).orElseThrow();
        assertThat(condition.getMessage()).isNotBlank();
        return condition;
    }

    @Override
    public void close() {
        controller.close();
        dataPlane.close();
    }
}
