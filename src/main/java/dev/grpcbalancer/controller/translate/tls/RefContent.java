package dev.grpcbalancer.controller.translate.tls;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a certificate reference points at: the object's entries as text ({@code tls.crt},
 * {@code tls.key}, {@code ca.crt} ...), or why there is nothing.
 *
 * @param description the object in users' words, named in every problem:
 *     {@code Secret shop/greeter-tls}, {@code Secret greeter-tls (document 3)},
 *     {@code Directory /etc/grpc-balancer/tls}
 * @param entries by key; empty when {@code problem} is set
 * @param problem why it cannot be read ({@code not found}), or {@code null}
 */
public record RefContent(String description, Map<String, String> entries, String problem) {

    public RefContent {
        requireNonNull(description, "description");
        entries = Map.copyOf(requireNonNull(entries, "entries"));
    }

    public static RefContent found(String description, Map<String, String> entries) {
        return new RefContent(description, entries, null);
    }

    public static RefContent missing(String description, String problem) {
        return new RefContent(description, Map.of(), requireNonNull(problem, "problem"));
    }

    /** A Secret's {@code data} (base64, as the API server serves it) and {@code stringData}. */
    public static RefContent ofSecret(String description, Secret secret) {
        return of(description, "data", secret.getData(), secret.getStringData());
    }

    /** A ConfigMap's {@code data} and {@code binaryData} (base64). */
    public static RefContent ofConfigMap(String description, ConfigMap configMap) {
        return of(description, "binaryData", configMap.getBinaryData(), configMap.getData());
    }

    /** Entries from a base64 map (its field named {@code base64Field}) and a plain text one; either may be null. */
    private static RefContent of(String description, String base64Field, Map<String, String> base64,
            Map<String, String> text) {
        Map<String, String> entries = new HashMap<>();
        if (base64 != null) {
            for (Map.Entry<String, String> entry : base64.entrySet()) {
                if (entry.getValue() != null) {
                    try {
                        entries.put(entry.getKey(), decode(entry.getValue()));
                    } catch (IllegalArgumentException e) {
                        return missing(description, base64Field + "." + entry.getKey() + " is not valid base64");
                    }
                }
            }
        }
        if (text != null) {
            text.forEach((key, value) -> {
                if (value != null) {
                    entries.put(key, value);
                }
            });
        }
        return found(description, entries);
    }

    /** The entry {@code key}. @throws IllegalArgumentException naming the object and the key when absent */
    String entry(String key) {
        String value = entries.get(key);
        if (value == null) {
            throw new IllegalArgumentException("has no " + key + (entries.isEmpty() ? ""
                    : " (it has " + String.join(", ", new TreeSet<>(entries.keySet())) + ")"));
        }
        return value;
    }

    private static String decode(String base64) {
        return new String(Base64.getDecoder().decode(base64.replaceAll("\\s", "")), StandardCharsets.UTF_8);
    }
}
