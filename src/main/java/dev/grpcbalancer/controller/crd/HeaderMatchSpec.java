package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.grpcbalancer.snapshot.MatchType;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/** {@code spec.rules[].matches[].headers[]}: GRPCRoute's {@code GRPCHeaderMatch}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "name", "value"})
public class HeaderMatchSpec {

    @JsonPropertyDescription("Exact (default) or RegularExpression (RE2, the whole value).")
    @SchemaFrom(type = MatchType.class)
    @Default("Exact")
    private String type;

    @JsonPropertyDescription("The header name (case-insensitive). Of several matches of one name only the first counts.")
    @Required
    @Size(min = 1, max = 256)
    @Pattern("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$")
    private String name;

    @JsonPropertyDescription("The value, or the expression it must match.")
    @Required
    @Size(min = 1, max = 4096)
    private String value;

    public HeaderMatchSpec() {
    }

    public HeaderMatchSpec(String name, String value) {
        this.name = name;
        this.value = value;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getValue() {
        return value;
    }

    public void setValue(String value) {
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeaderMatchSpec other && Objects.equals(type, other.type)
                && Objects.equals(name, other.name) && Objects.equals(value, other.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, name, value);
    }

    @Override
    public String toString() {
        return "HeaderMatchSpec{type=" + type + ", name=" + name + ", value=" + value + "}";
    }
}
