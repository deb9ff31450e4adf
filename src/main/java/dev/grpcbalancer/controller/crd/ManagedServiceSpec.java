package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import java.util.Objects;

/**
 * {@code spec.service}: the Service the controller keeps in its own namespace so clients can reach
 * the balancer's listener port. Standalone mode accepts the field and ignores it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ManagedServiceSpec {

    /** Values of {@code type}, as written in the resource. */
    public static final String CLUSTER_IP = "ClusterIP";
    public static final String NODE_PORT = "NodePort";
    public static final String LOAD_BALANCER = "LoadBalancer";
    public static final String NONE = "None";

    /** A String like the policy; the schema lists the values of {@link ServiceTypeSchema}. */
    @JsonPropertyDescription("ClusterIP (default), NodePort, LoadBalancer, or None for no Service.")
    @SchemaFrom(type = ServiceTypeSchema.class)
    @Default(CLUSTER_IP)
    private String type;

    // No one-argument constructor on purpose: Jackson would take it as a delegating creator.
    public ManagedServiceSpec() {
    }

    /** The type as written, or {@code null} for the default (ClusterIP). */
    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ManagedServiceSpec other && Objects.equals(type, other.type);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(type);
    }

    @Override
    public String toString() {
        return "ManagedServiceSpec{type=" + type + "}";
    }
}
