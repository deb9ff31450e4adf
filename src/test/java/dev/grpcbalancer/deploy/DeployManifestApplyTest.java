package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * deploy/grpc-balancer.yaml (the chart rendered with its default values; DeployArtifactsTest
 * keeps it current) and the greeter example, created on fabric8's CRUD mock API server and read
 * back unchanged.
 */
@EnableKubernetesMockClient(crud = true)
class DeployManifestApplyTest {

    KubernetesClient client;

    @Test
    void defaultManifestsCreateAndReadBackUnchanged() throws IOException {
        List<HasMetadata> objects = load("deploy/grpc-balancer.yaml");

        for (HasMetadata object : objects) {
            client.resource(object).create();
        }

        assertThat(objects).extracting(HasMetadata::getKind).contains("Namespace", "CustomResourceDefinition",
                "ServiceAccount", "Role", "RoleBinding", "Service", "Deployment", "PodDisruptionBudget");
        for (HasMetadata object : objects) {
            HasMetadata stored = client.resource(object).get();
            assertThat(stored).as(object.getKind() + " " + object.getMetadata().getName()).isNotNull();
            assertThat(withoutServerFields(stored)).as(object.getKind() + " " + object.getMetadata().getName())
                    .isEqualTo(withoutServerFields(object));
        }
        assertThat(client.rbac().roles().inNamespace("grpc-balancer").list().getItems())
                .extracting(Role::getMetadata).extracting(m -> m.getName())
                .containsExactlyInAnyOrder("grpc-balancer", "grpc-balancer-watch");
        Deployment deployment = client.apps().deployments().inNamespace("grpc-balancer").withName("grpc-balancer").get();
        assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("grpc-balancer");
    }

    @Test
    void greeterExampleCreatesOnTopOfTheDefaultManifests() throws IOException {
        load("deploy/grpc-balancer.yaml").forEach(o -> client.resource(o).create());
        List<HasMetadata> example = load("deploy/examples/greeter.yaml");

        example.forEach(o -> client.resource(o).create());

        GenericKubernetesResource balancer = client.genericKubernetesResources("grpcbalancer.dev/v1alpha1", "GrpcBalancer")
                .inNamespace("grpc-balancer").withName("greeter").get();
        assertThat(balancer).isNotNull();
        assertThat(Chart.tree(balancer).path("spec").path("backendRef").path("name").asText())
                .isEqualTo("greeter");
        assertThat(client.apps().deployments().inNamespace("grpc-balancer").withName("greeter").get().getSpec().getReplicas())
                .isEqualTo(3);
    }

    private List<HasMetadata> load(String path) throws IOException {
        try (InputStream in = Files.newInputStream(Helm.REPO.resolve(path))) {
            return client.load(in).items();
        }
    }

    /** The object as JSON without what the server adds (uid, resourceVersion, timestamps, status). */
    private static String withoutServerFields(HasMetadata object) {
        ObjectNode tree = (ObjectNode) Chart.tree(object);
        tree.remove("status");
        ObjectNode metadata = (ObjectNode) tree.path("metadata");
        metadata.remove(List.of("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"));
        return tree.toString();
    }
}
