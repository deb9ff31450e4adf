package dev.grpcbalancer.controller.crd;

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
 * a resource and turns it into a {@code BalancerConfig}.
 */
@Group(GrpcBalancer.GROUP)
@Version(GrpcBalancer.VERSION)
@Kind(GrpcBalancer.KIND)
@Plural("grpcbalancers")
@ShortNames("gbal")
@Categories("grpc")
public class GrpcBalancer extends CustomResource<GrpcBalancerSpec, GrpcBalancerStatus> implements Namespaced {

    private static final long serialVersionUID = 1L;

    public static final String GROUP = "grpcbalancer.dev";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "GrpcBalancer";
    /** The {@code apiVersion} every document of this kind carries. */
    public static final String API_VERSION = GROUP + "/" + VERSION;
}
