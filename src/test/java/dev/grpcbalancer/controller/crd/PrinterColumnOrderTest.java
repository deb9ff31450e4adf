package dev.grpcbalancer.controller.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The build step that gives {@code kubectl get gbal} its column order. */
class PrinterColumnOrderTest {

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    @Test
    void columnsFollowTheDeclarationsOnGrpcBalancerWhateverOrderTheGeneratorWrote() {
        List<String> declared = PrinterColumnOrder.declaredJsonPaths();
        List<String> shuffled = new ArrayList<>(declared);
        Collections.reverse(shuffled);

        String ordered = PrinterColumnOrder.reorder(crdWithColumns(shuffled));

        assertThat(jsonPaths(ordered)).containsExactlyElementsOf(declared);
        assertThat(ordered).startsWith(PrinterColumnOrder.HEADER);
    }

    @Test
    void undeclaredColumnsComeLastInTheGeneratorsOrder() {
        List<String> declared = PrinterColumnOrder.declaredJsonPaths();
        List<String> written = new ArrayList<>(List.of(".spec.b", declared.get(1), ".spec.a", declared.get(0)));

        String ordered = PrinterColumnOrder.reorder(crdWithColumns(written));

        assertThat(jsonPaths(ordered)).containsExactly(declared.get(0), declared.get(1), ".spec.b", ".spec.a");
    }

    @Test
    void reorderingTwiceChangesNothing() {
        String once = PrinterColumnOrder.reorder(crdWithColumns(List.of(".spec.x", ".spec.listener.port")));

        assertThat(PrinterColumnOrder.reorder(once)).isEqualTo(once);
    }

    private String crdWithColumns(List<String> jsonPaths) {
        List<CustomResourceColumnDefinition> columns = jsonPaths.stream()
                .map(path -> new CustomResourceColumnDefinitionBuilder().withName(path).withJsonPath(path)
                        .withType("string").build())
                .toList();
        CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName("grpcbalancers.grpcbalancer.dev").endMetadata()
                .withNewSpec().withGroup("grpcbalancer.dev")
                .addNewVersion().withName("v1alpha1").withAdditionalPrinterColumns(columns).endVersion()
                .endSpec()
                .build();
        return PrinterColumnOrder.HEADER + serialization.asYaml(crd).substring("---\n".length());
    }

    private List<String> jsonPaths(String yaml) {
        return serialization.unmarshal(yaml, CustomResourceDefinition.class).getSpec().getVersions().get(0)
                .getAdditionalPrinterColumns().stream()
                .map(CustomResourceColumnDefinition::getJsonPath)
                .toList();
    }
}
