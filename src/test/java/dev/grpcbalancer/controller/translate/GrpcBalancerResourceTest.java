package dev.grpcbalancer.controller.translate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.BalancerAddress;
import dev.grpcbalancer.controller.crd.EndpointsStatus;
import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The resource model as the API server and kubectl see it: names, scope, JSON shape. */
class GrpcBalancerResourceTest {

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    @Test
    void resourceIsNamedAsDocumented() {
        GrpcBalancer balancer = new GrpcBalancer();

        assertThat(balancer.getApiVersion()).isEqualTo("grpcbalancer.dev/v1alpha1");
        assertThat(balancer.getKind()).isEqualTo("GrpcBalancer");
        assertThat(HasMetadata.getPlural(GrpcBalancer.class)).isEqualTo("grpcbalancers");
        assertThat(CustomResource.getCRDName(GrpcBalancer.class)).isEqualTo("grpcbalancers.grpcbalancer.dev");
        assertThat(CustomResource.getShortNames(GrpcBalancer.class)).containsExactly("gbal");
        assertThat(CustomResource.getCategories(GrpcBalancer.class)).containsExactly("grpc");
        assertThat(balancer.getScope()).isEqualTo("Namespaced");
    }

    @Test
    void specReadsTheDocumentedFieldsAndWritesBackOnlyThoseSet() {
        String json = """
                {"apiVersion": "grpcbalancer.dev/v1alpha1", "kind": "GrpcBalancer",
                 "metadata": {"name": "greeter", "namespace": "shop"},
                 "spec": {"listener": {"port": 8080}, "backendRef": {"name": "greeter", "port": 50051},
                          "loadBalancing": {"policy": "Random"}}}
                """;

        GrpcBalancer balancer = serialization.unmarshal(json, GrpcBalancer.class);

        assertThat(balancer.getSpec().getListener().getPort()).isEqualTo(8080);
        assertThat(balancer.getSpec().getBackendRef().getName()).isEqualTo("greeter");
        assertThat(balancer.getSpec().getBackendRef().getPort()).isEqualTo(50051);
        assertThat(balancer.getSpec().getStaticEndpoints()).isNull();
        assertThat(balancer.getSpec().getLoadBalancing().getPolicy()).isEqualTo("Random");
        assertThat(serialization.asJson(balancer.getSpec())).isEqualTo("{\"listener\":{\"port\":8080},"
                + "\"backendRef\":{\"name\":\"greeter\",\"port\":50051},\"loadBalancing\":{\"policy\":\"Random\"}}");
        assertThat(serialization.unmarshal(serialization.asJson(balancer), GrpcBalancer.class)).isEqualTo(balancer);
    }

    @Test
    void statusIsWrittenInTheDocumentedShape() {
        GrpcBalancerStatus status = new GrpcBalancerStatus();
        status.setObservedGeneration(3L);
        status.setConditions(List.of(new Condition("2024-01-01T00:00:00Z", "", 3L, "Programmed", "True", "Programmed")));
        status.setEndpoints(new EndpointsStatus(3, 2, 1));
        status.setAddresses(List.of(new BalancerAddress("IPAddress", "10.0.0.100")));

        assertThat(serialization.asJson(status)).isEqualTo("{\"observedGeneration\":3,"
                + "\"conditions\":[{\"lastTransitionTime\":\"2024-01-01T00:00:00Z\",\"message\":\"\","
                + "\"observedGeneration\":3,\"reason\":\"Programmed\",\"status\":\"True\",\"type\":\"Programmed\"}],"
                + "\"endpoints\":{\"total\":3,\"ready\":2,\"draining\":1},"
                + "\"addresses\":[{\"type\":\"IPAddress\",\"value\":\"10.0.0.100\"}]}");
    }
}
