package dev.grpcbalancer.controller.crd;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The {@code GrpcBalancer} custom resource: one L7 gRPC balancer, a listener port and the backends
 * behind it ({@code grpcbalancer.dev/v1alpha1}, namespaced, short name {@code gbal}).
 *
 * <p>This is a plain data model: it does not validate itself. {@code controller.translate} checks
 * a resource and turns it into a {@code BalancerConfig}. The annotations here and on the spec
 * classes only shape the CRD that fabric8's generator writes at build time
 * ({@code crds/grpcbalancers.grpcbalancer.dev-v1.yml}): its OpenAPI validation and the columns of
 * {@code kubectl get gbal} (REASON shows with {@code -o wide}).
 */
@Group(GrpcBalancer.GROUP)
@Version(GrpcBalancer.VERSION)
@Kind(GrpcBalancer.KIND)
@Plural("grpcbalancers")
@ShortNames("gbal")
@Categories("grpc")
@AdditionalPrinterColumn(name = "Port", jsonPath = ".spec.listener.port", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Service", jsonPath = ".spec.backendRef.name")
@AdditionalPrinterColumn(name = "Rules", jsonPath = ".status.ruleCount", type = Type.INTEGER,
        getDescription = "Rules of spec.rules (empty for the backendRef or staticEndpoints shorthand)")
@AdditionalPrinterColumn(name = "Policy", jsonPath = ".spec.loadBalancing.policy")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.readyEndpoints",
        getDescription = "Ready endpoints of all endpoints")
@AdditionalPrinterColumn(name = "Programmed", jsonPath = ".status.conditions[?(@.type==\"Programmed\")].status")
@AdditionalPrinterColumn(name = "Address", jsonPath = ".status.addresses[0].value")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.status==\"False\")].reason",
        priority = 1, getDescription = "Reasons of the conditions that are False")
public class GrpcBalancer extends CustomResource<GrpcBalancerSpec, GrpcBalancerStatus> implements Namespaced {

    private static final long serialVersionUID = 1L;

    public static final String GROUP = "grpcbalancer.dev";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "GrpcBalancer";
    /** The {@code apiVersion} every document of this kind carries. */
    public static final String API_VERSION = GROUP + "/" + VERSION;

    /**
     * Overridden only to mark {@code spec} required in the generated schema (the field is
     * {@link CustomResource}'s); behaves as the inherited getter.
     */
    @Override
    @Required
    public GrpcBalancerSpec getSpec() {
        return super.getSpec();
    }
}
