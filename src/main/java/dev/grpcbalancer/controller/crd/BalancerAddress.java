package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;

/**
 * One entry of {@code status.addresses}, in the Gateway API shape: {@code type} is
 * {@code IPAddress} or {@code Hostname}, {@code value} the address itself.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "value"})
public class BalancerAddress {

    private String type;
    private String value;

    public BalancerAddress() {
    }

    public BalancerAddress(String type, String value) {
        this.type = type;
        this.value = value;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getValue() {
        return value;
    }

    public void setValue(String value) {
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BalancerAddress other && Objects.equals(type, other.type) && Objects.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, value);
    }

    @Override
    public String toString() {
        return "BalancerAddress{type=" + type + ", value=" + value + "}";
    }
}
