package dev.grpcbalancer.controller.crd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/** {@code status.readyEndpoints}, the text behind the READY column. */
class GrpcBalancerStatusTest {

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    @Test
    void readyEndpointsIsWrittenAfterTheCountsAndReadBack() {
        GrpcBalancerStatus status = new GrpcBalancerStatus();
        status.setEndpoints(new EndpointsStatus(3, 2, 1));
        status.setReadyEndpoints("2/3");

        String json = serialization.asJson(status);

        assertThat(json).isEqualTo("{\"endpoints\":{\"total\":3,\"ready\":2,\"draining\":1},\"readyEndpoints\":\"2/3\"}");
        assertThat(serialization.unmarshal(json, GrpcBalancerStatus.class)).isEqualTo(status);
    }

    @Test
    void statusesThatDifferOnlyInReadyEndpointsAreNotEqual() {
        GrpcBalancerStatus twoOfThree = new GrpcBalancerStatus();
        twoOfThree.setReadyEndpoints("2/3");
        GrpcBalancerStatus threeOfThree = new GrpcBalancerStatus();
        threeOfThree.setReadyEndpoints("3/3");

        assertThat(twoOfThree).isNotEqualTo(threeOfThree);
        assertThat(twoOfThree.toString()).contains("readyEndpoints=2/3");
    }
}
