package dev.grpcbalancer.deploy;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The chart under test: its values files, its values merged as Helm merges them, and its
 * templates rendered by {@code helm template} and parsed into fabric8 objects.
 */
final class Chart {

    /** The release name and namespace the tests render with: different, so a mix-up shows. */
    static final String RELEASE = "gb";
    static final String NAMESPACE = "gb-system";
    static final String SERVICE_MONITOR_API = "monitoring.coreos.com/v1";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();

    private Chart() {
    }

    /** "default" (no values file) and every ci/*.yaml file name. */
    static Stream<String> valuesFiles() {
        try (Stream<Path> files = Files.list(Helm.CHART.resolve("ci"))) {
            List<String> names = new ArrayList<>();
            names.add("default");
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".yaml")).sorted().forEach(names::add);
            return names.stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** helm arguments that pass the values file ({@code "default"} passes none). */
    static List<String> valuesArgs(String valuesFile) {
        return valuesFile.equals("default")
                ? List.of()
                : List.of("--values", Helm.CHART.resolve("ci").resolve(valuesFile).toString());
    }

    /** values.yaml with the values file merged over it: maps merge, everything else is replaced. */
    static JsonNode values(String valuesFile) {
        JsonNode defaults = readYaml(Helm.CHART.resolve("values.yaml"));
        if (valuesFile.equals("default")) {
            return defaults;
        }
        JsonNode override = readYaml(Helm.CHART.resolve("ci").resolve(valuesFile));
        return override == null || override.isNull() ? defaults : merge(defaults.deepCopy(), override);
    }

    /** A Kubernetes object as a JSON tree, for fields its Java type does not have. */
    static JsonNode tree(HasMetadata object) {
        return KUBERNETES.convertValue(object, JsonNode.class);
    }

    static JsonNode chartYaml() {
        return readYaml(Helm.CHART.resolve("Chart.yaml"));
    }

    private static final Map<List<String>, Rendered> RENDERS = new ConcurrentHashMap<>();

    /**
     * {@code helm template} of the values file, with the extra API versions the cluster "has";
     * each combination is rendered once per test run (renders are immutable).
     */
    static Rendered render(Helm helm, String valuesFile, String... apiVersions) {
        List<String> key = new ArrayList<>(List.of(helm.binary().toString(), valuesFile));
        key.addAll(List.of(apiVersions));
        return RENDERS.computeIfAbsent(List.copyOf(key), k -> renderNow(helm, valuesFile, apiVersions));
    }

    private static Rendered renderNow(Helm helm, String valuesFile, String... apiVersions) {
        List<String> args = new ArrayList<>(List.of("template", RELEASE, Helm.CHART.toString(),
                "--namespace", NAMESPACE));
        args.addAll(valuesArgs(valuesFile));
        for (String api : apiVersions) {
            args.add("--api-versions");
            args.add(api);
        }
        return Rendered.parse(helm.run(args.toArray(String[]::new)).orFail());
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode merge(JsonNode base, JsonNode override) {
        if (!(base instanceof ObjectNode target) || !override.isObject()) {
            return override;
        }
        for (Map.Entry<String, JsonNode> field : override.properties()) {
            JsonNode existing = target.get(field.getKey());
            target.set(field.getKey(), existing == null ? field.getValue() : merge(existing, field.getValue()));
        }
        return target;
    }

    /** The objects of one render, in document order. */
    record Rendered(List<HasMetadata> objects) {

        Rendered {
            objects = List.copyOf(objects);
        }

        static Rendered parse(String multiDocumentYaml) {
            requireNonNull(multiDocumentYaml, "multiDocumentYaml");
            List<HasMetadata> objects = new ArrayList<>();
            try (var parser = new YAMLFactory().createParser(multiDocumentYaml)) {
                Iterator<JsonNode> documents = YAML.readValues(parser, JsonNode.class);
                while (documents.hasNext()) {
                    JsonNode document = documents.next();
                    if (document != null && !document.isNull() && !document.isEmpty()) {
                        objects.add(KUBERNETES.unmarshal(document.toString(), HasMetadata.class));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Rendered(objects);
        }

        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        List<HasMetadata> ofKind(String kind) {
            return objects.stream().filter(o -> o.getKind().equals(kind)).toList();
        }

        /** Objects without a helm.sh/hook annotation: what {@code helm install} creates. */
        List<HasMetadata> installed() {
            return objects.stream().filter(o -> hook(o) == null).toList();
        }

        /** Objects that are {@code helm test} hooks. */
        List<HasMetadata> testHooks() {
            return objects.stream().filter(o -> "test".equals(hook(o))).toList();
        }

        static String hook(HasMetadata object) {
            Map<String, String> annotations = object.getMetadata().getAnnotations();
            return annotations == null ? null : annotations.get("helm.sh/hook");
        }
    }
}
