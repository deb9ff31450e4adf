package dev.grpcbalancer.controller.translate.gateway;

import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantFrom;
import io.fabric8.kubernetes.api.model.gatewayapi.v1beta1.ReferenceGrantTo;
import java.util.Collection;

/**
 * Whether a ReferenceGrant lets an object of the Gateway API use a core object of another
 * namespace (a GRPCRoute a Service, a Gateway a Secret): a grant in the referenced object's
 * namespace whose {@code from} names objects of that kind in the referring namespace and whose
 * {@code to} names the referenced kind (all of them, or this one by name). Pure.
 */
final class ReferenceGrants {

    private ReferenceGrants() {
    }

    /**
     * @param grants the ReferenceGrants of the referenced object's namespace
     * @param fromKind the referring kind ({@code GRPCRoute}, {@code Gateway}; group gateway.networking.k8s.io)
     * @param fromNamespace the referring object's namespace
     * @param toKind the referenced core kind ({@code Service}, {@code Secret})
     * @param toName the referenced object's name
     */
    static boolean permit(Collection<ReferenceGrant> grants, String fromKind, String fromNamespace, String toKind,
            String toName) {
        for (ReferenceGrant grant : grants) {
            if (grant.getSpec() == null || grant.getSpec().getFrom() == null || grant.getSpec().getTo() == null) {
                continue;
            }
            boolean from = grant.getSpec().getFrom().stream().anyMatch(f -> allowsFrom(f, fromKind, fromNamespace));
            boolean to = grant.getSpec().getTo().stream().anyMatch(t -> allowsTo(t, toKind, toName));
            if (from && to) {
                return true;
            }
        }
        return false;
    }

    private static boolean allowsFrom(ReferenceGrantFrom from, String kind, String namespace) {
        return from != null && GatewayApi.GROUP.equals(from.getGroup()) && kind.equals(from.getKind())
                && namespace.equals(from.getNamespace());
    }

    private static boolean allowsTo(ReferenceGrantTo to, String kind, String name) {
        return to != null && GatewayApi.CORE_GROUP.equals(GatewayApi.groupOr(to.getGroup(), GatewayApi.CORE_GROUP))
                && kind.equals(to.getKind()) && (to.getName() == null || to.getName().equals(name));
    }
}
