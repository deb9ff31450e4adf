package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import java.util.Objects;

/** {@code spec.loadBalancing.zoneAware}: keeping calls in the balancer replica's zone or node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"trafficDistribution", "minZoneSharePercent"})
public class ZoneAwareSpec {

    /** A String, like the policy; the schema lists the values of {@link TrafficDistribution}. */
    @JsonPropertyDescription("Prefer endpoints in the replica's zone (PreferSameZone, or its older name PreferClose)"
            + " or on its node (PreferSameNode), whatever the Service says. Default: the backendRef Service's"
            + " spec.trafficDistribution and EndpointSlice hints; none for staticEndpoints.")
    @SchemaFrom(type = TrafficDistribution.class)
    private String trafficDistribution;

    @JsonPropertyDescription("Calls stay in the zone while its available endpoints make at least this percent of an"
            + " even share (all available endpoints / zones); below, they spread over every zone (default 50;"
            + " 0: only when the zone has none).")
    @Min(0)
    @Max(100)
    private Integer minZoneSharePercent;

    public ZoneAwareSpec() {
    }

    public String getTrafficDistribution() {
        return trafficDistribution;
    }

    public void setTrafficDistribution(String trafficDistribution) {
        this.trafficDistribution = trafficDistribution;
    }

    public Integer getMinZoneSharePercent() {
        return minZoneSharePercent;
    }

    public void setMinZoneSharePercent(Integer minZoneSharePercent) {
        this.minZoneSharePercent = minZoneSharePercent;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZoneAwareSpec other && Objects.equals(trafficDistribution, other.trafficDistribution)
                && Objects.equals(minZoneSharePercent, other.minZoneSharePercent);
    }

    @Override
    public int hashCode() {
        return Objects.hash(trafficDistribution, minZoneSharePercent);
    }

    @Override
    public String toString() {
        return "ZoneAwareSpec{trafficDistribution=" + trafficDistribution + ", minZoneSharePercent="
                + minZoneSharePercent + "}";
    }
}
