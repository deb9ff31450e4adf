package dev.grpcbalancer.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Locale;

/**
 * The Gateway API CRDs as far as fabric8's CRUD mock API server needs them: created, they make
 * its API discovery list GatewayClass, Gateway and GRPCRoute ({@code gateway.networking.k8s.io/v1})
 * and ReferenceGrant ({@code v1beta1}), as a cluster with the Gateway API installed does. The mock
 * serves the objects themselves from fabric8's model classes.
 */
public final class GatewayApiCrds {

    private static final String GROUP = "gateway.networking.k8s.io";

    private GatewayApiCrds() {
    }

    /** Creates the CRDs of the kinds the controller serves. */
    public static void install(KubernetesClient client) {
        for (CustomResourceDefinition crd : List.of(
                crd("GatewayClass", "gatewayclasses", "Cluster", "v1"),
                crd("Gateway", "gateways", "Namespaced", "v1"),
                crd("GRPCRoute", "grpcroutes", "Namespaced", "v1"),
                crd("ReferenceGrant", "referencegrants", "Namespaced", "v1beta1"))) {
            client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
    }

    private static CustomResourceDefinition crd(String kind, String plural, String scope, String version) {
        return new CustomResourceDefinitionBuilder()
                .withNewMetadata().withName(plural + "." + GROUP).endMetadata()
                .withNewSpec().withGroup(GROUP).withScope(scope)
                    .withNewNames().withKind(kind).withPlural(plural).withSingular(kind.toLowerCase(Locale.ROOT))
                        .withListKind(kind + "List").endNames()
                    .addNewVersion().withName(version).withServed(true).withStorage(true)
                        .withNewSubresources().withNewStatus().endStatus().endSubresources().endVersion()
                .endSpec()
                .build();
    }
}
