package dev.grpcbalancer.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.grpcbalancer.controller.crd.CertificateRef;
import dev.grpcbalancer.controller.translate.BalancerTranslator;
import dev.grpcbalancer.controller.translate.tls.RefContent;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code v1} {@code Secret} and {@code ConfigMap} documents of a standalone file, which the
 * balancers' certificate references name, so that a standalone file and a cluster read alike.
 * Bound leniently like the API server does (unknown fields are ignored); each name at most once
 * per kind and namespace.
 */
final class KeyDocuments {

    private record Placed(int document, HasMetadata object) {
    }

    private final String file;
    private final Map<String, Placed> byKey = new HashMap<>();

    private KeyDocuments(String file) {
        this.file = file;
    }

    /** Whether {@code tree} is a Secret or ConfigMap document (by its kind), to be bound here. */
    static boolean isKeyDocument(JsonNode tree) {
        JsonNode kind = tree == null ? null : tree.get("kind");
        return kind != null && kind.isTextual()
                && (kind.textValue().equals(CertificateRef.SECRET) || kind.textValue().equals(CertificateRef.CONFIG_MAP));
    }

    /** Binds every Secret and ConfigMap document; problems go to {@code problems}. */
    static KeyDocuments collect(ObjectMapper mapper, String file, List<YamlDocuments.Document> documents,
            List<ConfigProblem> problems) {
        KeyDocuments found = new KeyDocuments(file);
        for (YamlDocuments.Document document : documents) {
            if (document.tree() != null && isKeyDocument(document.tree())) {
                found.bind(mapper, document, problems);
            }
        }
        return found;
    }

    private void bind(ObjectMapper mapper, YamlDocuments.Document document, List<ConfigProblem> problems) {
        JsonNode tree = document.tree();
        String kind = tree.get("kind").textValue();
        String label = BalancerBinder.label(tree, BalancerTranslator.DEFAULT_NAMESPACE);
        JsonNode apiVersion = tree.get("apiVersion");
        if (apiVersion == null || !apiVersion.isTextual() || !apiVersion.textValue().equals("v1")) {
            problems.add(new ConfigProblem(file, document.number(), label, "apiVersion", "must be v1 for a " + kind
                    + ", got " + BalancerBinder.describe(apiVersion)));
            return;
        }
        HasMetadata object;
        try {
            Class<? extends HasMetadata> type = kind.equals(CertificateRef.SECRET) ? Secret.class : ConfigMap.class;
            object = mapper.treeToValue(tree, type);
        } catch (IOException e) {
            problems.add(new ConfigProblem(file, document.number(), label, null, "not a valid " + kind + ": "
                    + e.getMessage().lines().findFirst().orElse("")));
            return;
        }
        if (object.getMetadata() == null || object.getMetadata().getName() == null
                || object.getMetadata().getName().isEmpty()) {
            problems.add(new ConfigProblem(file, document.number(), null, "metadata.name", "required"));
            return;
        }
        String key = key(kind, namespaceOf(object), object.getMetadata().getName());
        Placed earlier = byKey.putIfAbsent(key, new Placed(document.number(), object));
        if (earlier != null) {
            problems.add(new ConfigProblem(file, document.number(), label, "metadata.name", kind + " "
                    + object.getMetadata().getName() + " is already defined by document " + earlier.document()));
        }
    }

    /** The Secret or ConfigMap {@code name} in {@code namespace}, as a reference sees it. */
    RefContent read(String kind, String namespace, String name) {
        Placed placed = byKey.get(key(kind, namespace, name));
        if (placed == null) {
            return RefContent.missing(kind + " " + name, "no " + kind + " document named " + name
                    + " in namespace " + namespace + " in " + file);
        }
        String description = kind + " " + name + " (document " + placed.document() + ")";
        return placed.object() instanceof Secret secret
                ? RefContent.ofSecret(description, secret)
                : RefContent.ofConfigMap(description, (ConfigMap) placed.object());
    }

    private static String namespaceOf(HasMetadata object) {
        String namespace = object.getMetadata().getNamespace();
        return namespace == null || namespace.isEmpty() ? BalancerTranslator.DEFAULT_NAMESPACE : namespace;
    }

    private static String key(String kind, String namespace, String name) {
        return kind + "/" + namespace + "/" + name;
    }
}
