package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** {@code spec.listener}: the port the data plane listens on for one balancer, and how long client connections live. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"port", "maxConnectionAge", "maxConnectionAgeGrace", "idleTimeout"})
public class ListenerSpec {

    @JsonPropertyDescription("TCP port, 1..65535. Required.")
    @Required
    @Min(1)
    @Max(65535)
    private Integer port;

    @JsonPropertyDescription("GOAWAY a client connection after this long (+-10 % jitter), so clients reconnect and"
            + " spread over new replicas, e.g. 30m (default: the data plane's --max-connection-age, off).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String maxConnectionAge;

    @JsonPropertyDescription("After that GOAWAY, the connection's calls get this long to finish before it closes"
            + " (default: the data plane's --max-connection-age-grace, no limit).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String maxConnectionAgeGrace;

    @JsonPropertyDescription("Close a client connection that carried no call for this long (default: the data plane's"
            + " --idle-timeout, 1h).")
    @Pattern("^([0-9]{1,5}(h|m|s|ms)){1,4}$")
    private String idleTimeout;

    // No one-argument constructor on purpose: Jackson would take it as a delegating creator and
    // accept a bare scalar in place of the mapping.
    public ListenerSpec() {
    }

    /** The port, or {@code null} when the document leaves it out. */
    public Integer getPort() {
        return port;
    }

    public void setPort(Integer port) {
        this.port = port;
    }

    public String getMaxConnectionAge() {
        return maxConnectionAge;
    }

    public void setMaxConnectionAge(String maxConnectionAge) {
        this.maxConnectionAge = maxConnectionAge;
    }

    public String getMaxConnectionAgeGrace() {
        return maxConnectionAgeGrace;
    }

    public void setMaxConnectionAgeGrace(String maxConnectionAgeGrace) {
        this.maxConnectionAgeGrace = maxConnectionAgeGrace;
    }

    public String getIdleTimeout() {
        return idleTimeout;
    }

    public void setIdleTimeout(String idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ListenerSpec other && Objects.equals(port, other.port)
                && Objects.equals(maxConnectionAge, other.maxConnectionAge)
                && Objects.equals(maxConnectionAgeGrace, other.maxConnectionAgeGrace)
                && Objects.equals(idleTimeout, other.idleTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, maxConnectionAge, maxConnectionAgeGrace, idleTimeout);
    }

    @Override
    public String toString() {
        return "ListenerSpec{port=" + port + ", maxConnectionAge=" + maxConnectionAge + ", maxConnectionAgeGrace="
                + maxConnectionAgeGrace + ", idleTimeout=" + idleTimeout + "}";
    }
}
