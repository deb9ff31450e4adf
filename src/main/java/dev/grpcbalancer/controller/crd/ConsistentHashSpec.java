package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** {@code spec.loadBalancing.consistentHash}: what the ConsistentHash policy hashes and how. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"header", "tableSize", "boundedLoadFactor"})
public class ConsistentHashSpec {

    @JsonPropertyDescription("The request header whose first value is a call's key, e.g. x-user-id; calls without"
            + " it are spread by round robin. Required.")
    @Required
    @Pattern("^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$")
    private String header;

    @JsonPropertyDescription("Entries of the Maglev lookup table, a prime (default 65537): more entries spread keys"
            + " more evenly over many endpoints, at 4 bytes each.")
    @Min(251)
    @Max(5000011)
    private Integer tableSize;

    @JsonPropertyDescription("No endpoint takes more than this times the average calls in flight; the excess walks"
            + " on to the next endpoint of the table (default 1.25, more than 1).")
    @Min(value = 1, inclusive = false)
    @Max(100)
    private Double boundedLoadFactor;

    public ConsistentHashSpec() {
    }

    public String getHeader() {
        return header;
    }

    public void setHeader(String header) {
        this.header = header;
    }

    public Integer getTableSize() {
        return tableSize;
    }

    public void setTableSize(Integer tableSize) {
        this.tableSize = tableSize;
    }

    public Double getBoundedLoadFactor() {
        return boundedLoadFactor;
    }

    public void setBoundedLoadFactor(Double boundedLoadFactor) {
        this.boundedLoadFactor = boundedLoadFactor;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConsistentHashSpec other && Objects.equals(header, other.header)
                && Objects.equals(tableSize, other.tableSize)
                && Objects.equals(boundedLoadFactor, other.boundedLoadFactor);
    }

    @Override
    public int hashCode() {
        return Objects.hash(header, tableSize, boundedLoadFactor);
    }

    @Override
    public String toString() {
        return "ConsistentHashSpec{header=" + header + ", tableSize=" + tableSize + ", boundedLoadFactor="
                + boundedLoadFactor + "}";
    }
}
