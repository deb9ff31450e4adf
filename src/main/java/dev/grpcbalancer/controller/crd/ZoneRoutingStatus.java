package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Objects;

/**
 * {@code status.zoneRouting}: the zones of a balancer's endpoints and the preference calls are
 * routed by. Whether a replica keeps its calls local at this moment depends on its own zone and on
 * the endpoints available to it: {@code /debug/balancers} of that replica says.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"trafficDistribution", "source", "message", "zones"})
public class ZoneRoutingStatus {

    @JsonPropertyDescription("PreferSameZone, PreferClose, PreferSameNode, TopologyAwareHints, or None.")
    private String trafficDistribution;

    @JsonPropertyDescription("Where the preference comes from: the Service, its EndpointSlices' hints, or the spec.")
    private String source;

    @JsonPropertyDescription("What the balancer replicas do with it.")
    private String message;

    @JsonPropertyDescription("Endpoints per zone.")
    private List<ZoneEndpoints> zones;

    public ZoneRoutingStatus() {
    }

    public ZoneRoutingStatus(String trafficDistribution, String source, String message, List<ZoneEndpoints> zones) {
        this.trafficDistribution = trafficDistribution;
        this.source = source;
        this.message = message;
        this.zones = zones;
    }

    public String getTrafficDistribution() {
        return trafficDistribution;
    }

    public void setTrafficDistribution(String trafficDistribution) {
        this.trafficDistribution = trafficDistribution;
    }

    public String getSource() {
        return source;
    }

    public void setSource(String source) {
        this.source = source;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public List<ZoneEndpoints> getZones() {
        return zones;
    }

    public void setZones(List<ZoneEndpoints> zones) {
        this.zones = zones;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ZoneRoutingStatus other && Objects.equals(trafficDistribution, other.trafficDistribution)
                && Objects.equals(source, other.source) && Objects.equals(message, other.message)
                && Objects.equals(zones, other.zones);
    }

    @Override
    public int hashCode() {
        return Objects.hash(trafficDistribution, source, message, zones);
    }

    @Override
    public String toString() {
        return "ZoneRoutingStatus{trafficDistribution=" + trafficDistribution + ", source=" + source + ", message="
                + message + ", zones=" + zones + "}";
    }

    /** One zone's endpoints: how many the balancer has there, and how many of them are ready. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"zone", "endpoints", "ready"})
    public static class ZoneEndpoints {

        private String zone;
        private int endpoints;
        private int ready;

        public ZoneEndpoints() {
        }

        public ZoneEndpoints(String zone, int endpoints, int ready) {
            this.zone = zone;
            this.endpoints = endpoints;
            this.ready = ready;
        }

        public String getZone() {
            return zone;
        }

        public void setZone(String zone) {
            this.zone = zone;
        }

        public int getEndpoints() {
            return endpoints;
        }

        public void setEndpoints(int endpoints) {
            this.endpoints = endpoints;
        }

        public int getReady() {
            return ready;
        }

        public void setReady(int ready) {
            this.ready = ready;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ZoneEndpoints other && Objects.equals(zone, other.zone)
                    && endpoints == other.endpoints && ready == other.ready;
        }

        @Override
        public int hashCode() {
            return Objects.hash(zone, endpoints, ready);
        }

        @Override
        public String toString() {
            return "ZoneEndpoints{zone=" + zone + ", endpoints=" + endpoints + ", ready=" + ready + "}";
        }
    }
}
