package dev.grpcbalancer.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.controller.crd.GrpcBalancer;
import dev.grpcbalancer.controller.crd.GrpcBalancerStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which GrpcBalancer updates wake the reconcile loop: a status-only update (the leader's own
 * writes) does not, since nothing the controller computes depends on it; a new spec, labels,
 * annotations or a deletion mark do.
 */
class ClusterCacheTest {

    @Test
    void anUpdateOfTheStatusAloneIsNotAChange() {
        GrpcBalancer before = balancer();
        GrpcBalancer after = balancer();
        after.getMetadata().setResourceVersion("8");
        after.setStatus(new GrpcBalancerStatus());

        assertThat(ClusterCache.onlyStatusChanged(before, after)).isTrue();
    }

    @Test
    void aNewSpecGenerationLabelsAnnotationsOrDeletionAreChanges() {
        GrpcBalancer spec = balancer();
        spec.getMetadata().setGeneration(3L);
        GrpcBalancer labels = balancer();
        labels.getMetadata().setLabels(Map.of("team", "shop"));
        GrpcBalancer annotations = balancer();
        annotations.getMetadata().setAnnotations(Map.of("note", "x"));
        GrpcBalancer deleting = balancer();
        deleting.getMetadata().setDeletionTimestamp("2026-12-06T00:00:00Z");
        GrpcBalancer recreated = balancer();
        recreated.getMetadata().setUid("uid-2");

        for (GrpcBalancer after : new GrpcBalancer[] {spec, labels, annotations, deleting, recreated}) {
            assertThat(ClusterCache.onlyStatusChanged(balancer(), after)).isFalse();
        }
    }

    private static GrpcBalancer balancer() {
        GrpcBalancer balancer = ClusterObjects.balancer("shop", "greeter", 8080, "greeter", 50051);
        balancer.getMetadata().setUid("uid-1");
        balancer.getMetadata().setGeneration(2L);
        balancer.getMetadata().setResourceVersion("7");
        return balancer;
    }
}
