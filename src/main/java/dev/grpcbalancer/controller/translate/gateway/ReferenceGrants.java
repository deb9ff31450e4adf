package dev.grpcbalancer.controller.translate.gateway;

import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantFrom;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantTo;
import java.util.Collection;

/**
 * Whether a ReferenceGrant lets a GRPCRoute use a Service of another namespace: a grant in the
 * Service's namespace whose {@code from} names GRPCRoutes of the route's namespace and whose
 * {@code to} names Services (all of them, or this one by name). Pure.
 */
final class ReferenceGrants {

    private ReferenceGrants() {
    }

    /**
     * @param grants the ReferenceGrants of the Service's namespace
     * @param fromNamespace the GRPCRoute's namespace
     * @param service the Service's name
     */
    static boolean permit(Collection<ReferenceGrant> grants, String fromNamespace, String service) {
        for (ReferenceGrant grant : grants) {
            if (grant.getSpec() == null || grant.getSpec().getFrom() == null || grant.getSpec().getTo() == null) {
                continue;
            }
            boolean from = grant.getSpec().getFrom().stream().anyMatch(f -> allowsFrom(f, fromNamespace));
            boolean to = grant.getSpec().getTo().stream().anyMatch(t -> allowsTo(t, service));
            if (from && to) {
                return true;
            }
        }
        return false;
    }

    private static boolean allowsFrom(ReferenceGrantFrom from, String namespace) {
        return from != null && GatewayApi.GROUP.equals(from.getGroup()) && GatewayApi.GRPC_ROUTE.equals(from.getKind())
                && namespace.equals(from.getNamespace());
    }

    private static boolean allowsTo(ReferenceGrantTo to, String service) {
        return to != null && GatewayApi.CORE_GROUP.equals(GatewayApi.groupOr(to.getGroup(), GatewayApi.CORE_GROUP))
                && GatewayApi.SERVICE.equals(to.getKind()) && (to.getName() == null || to.getName().equals(service));
    }
}
