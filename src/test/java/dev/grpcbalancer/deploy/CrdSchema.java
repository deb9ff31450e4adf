package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Structural check of a GrpcBalancer document against the OpenAPI schema of the committed CRD, as
 * the API server would prune and type-check it: every field known, every type right, every
 * required field present, enums and ranges respected. Keeps the chart's test hook and the example
 * valid when the CRD changes.
 */
final class CrdSchema {

    private final JsonNode schema;

    private CrdSchema(JsonNode schema) {
        this.schema = schema;
    }

    /** The served schema of crds/grpcbalancers.grpcbalancer.dev-v1.yml for {@code version}. */
    static CrdSchema grpcBalancer(String version) {
        JsonNode crd = Chart.readYaml(Helm.REPO.resolve(Path.of("crds", "grpcbalancers.grpcbalancer.dev-v1.yml")));
        for (JsonNode served : crd.path("spec").path("versions")) {
            if (served.path("name").asText().equals(version)) {
                return new CrdSchema(served.path("schema").path("openAPIV3Schema"));
            }
        }
        throw new AssertionError("the CRD serves no version " + version);
    }

    /** Fails with every violation found in {@code spec}. */
    void assertValidSpec(JsonNode spec, String where) {
        List<String> problems = new ArrayList<>();
        check(schema.path("properties").path("spec"), spec, where + ".spec", problems);
        assertThat(problems).as(where + " against the CRD schema").isEmpty();
    }

    private static void check(JsonNode schema, JsonNode value, String path, List<String> problems) {
        String type = schema.path("type").asText("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    problems.add(path + ": not an object");
                    return;
                }
                boolean open = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                        || schema.has("additionalProperties");
                for (Map.Entry<String, JsonNode> field : value.properties()) {
                    JsonNode fieldSchema = schema.path("properties").path(field.getKey());
                    if (fieldSchema.isMissingNode()) {
                        if (!open) {
                            problems.add(path + "." + field.getKey() + ": unknown field (the API server prunes it)");
                        }
                    } else {
                        check(fieldSchema, field.getValue(), path + "." + field.getKey(), problems);
                    }
                }
                for (JsonNode required : schema.path("required")) {
                    if (!value.has(required.asText())) {
                        problems.add(path + "." + required.asText() + ": required");
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(path + ": not an array");
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(schema.path("items"), value.get(i), path + "[" + i + "]", problems);
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    problems.add(path + ": not an integer");
                } else if (schema.has("minimum") && value.asLong() < schema.path("minimum").asLong()
                        || schema.has("maximum") && value.asLong() > schema.path("maximum").asLong()) {
                    problems.add(path + ": " + value + " out of range");
                }
            }
            case "string" -> {
                if (!value.isTextual()) {
                    problems.add(path + ": not a string");
                } else if (schema.has("enum")) {
                    List<String> allowed = new ArrayList<>();
                    schema.path("enum").forEach(e -> allowed.add(e.asText()));
                    if (!allowed.contains(value.asText())) {
                        problems.add(path + ": " + value.asText() + " not one of " + allowed);
                    }
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    problems.add(path + ": not a boolean");
                }
            }
            default -> {
                // No type (x-kubernetes-int-or-string and the like): nothing to check here.
            }
        }
    }
}
