package dev.grpcbalancer.controller.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Objects;

/**
 * A reference to key material in the balancer's namespace (Gateway API's
 * {@code SecretObjectReference} shape, without cross-namespace references): a {@code Secret}
 * ({@code tls.crt}/{@code tls.key}, or {@code ca.crt} for CAs), a {@code ConfigMap} ({@code ca.crt},
 * CAs only), or in standalone mode a {@code Directory} holding the same file names.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"group", "kind", "name"})
public class CertificateRef {

    public static final String SECRET = "Secret";
    public static final String CONFIG_MAP = "ConfigMap";
    public static final String DIRECTORY = "Directory";

    @JsonPropertyDescription("API group of the referent: \"\" (core), the only one supported.")
    @Pattern("^$")
    private String group;

    @JsonPropertyDescription("Secret (default), ConfigMap (CA certificates only), or Directory (standalone mode only).")
    @SchemaFrom(type = CertificateRefKindSchema.class)
    private String kind;

    @JsonPropertyDescription("Name of the Secret or ConfigMap in the balancer's namespace, or the absolute path of the"
            + " Directory. Required.")
    @Required
    @Size(min = 1, max = 1024)
    private String name;

    public CertificateRef() {
    }

    public CertificateRef(String kind, String name) {
        this.kind = kind;
        this.name = name;
    }

    public String getGroup() {
        return group;
    }

    public void setGroup(String group) {
        this.group = group;
    }

    /** The kind as written, or {@code null} for the default (Secret). */
    public String getKind() {
        return kind;
    }

    public void setKind(String kind) {
        this.kind = kind;
    }

    /** The kind, Secret when none is written. */
    public String kindOrDefault() {
        return kind == null ? SECRET : kind;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertificateRef other && Objects.equals(group, other.group)
                && Objects.equals(kind, other.kind) && Objects.equals(name, other.name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(group, kind, name);
    }

    @Override
    public String toString() {
        return "CertificateRef{kind=" + kind + ", name=" + name + (group != null ? ", group=" + group : "") + "}";
    }
}
