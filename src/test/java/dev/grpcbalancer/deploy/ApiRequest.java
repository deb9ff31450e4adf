package dev.grpcbalancer.deploy;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One request to the Kubernetes API in RBAC terms: the verb, the API group, the resource (with
 * its subresource, as {@code grpcbalancers/status}), the namespace ({@code null}: cluster-wide)
 * and the object name ({@code null}: a collection).
 */
record ApiRequest(String verb, String group, String resource, String namespace, String name) {

    ApiRequest {
        requireNonNull(verb, "verb");
        requireNonNull(group, "group");
        requireNonNull(resource, "resource");
    }

    /**
     * The request of an HTTP method and path, or empty for a non-resource path ({@code /version},
     * discovery under {@code /api} and {@code /apis}), which every authenticated user may read
     * (the built-in {@code system:discovery} role).
     */
    static Optional<ApiRequest> of(String method, String pathAndQuery) {
        URI uri = URI.create(pathAndQuery);
        String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        List<String> parts = List.of(uri.getPath().replaceAll("^/+|/+$", "").split("/"));
        int at;
        String group;
        if (parts.size() >= 3 && parts.get(0).equals("api")) {
            group = "";
            at = 2;
        } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
            group = parts.get(1);
            at = 3;
        } else {
            return Optional.empty();
        }
        String namespace = null;
        if (parts.size() > at + 1 && parts.get(at).equals("namespaces")) {
            namespace = parts.get(at + 1);
            at += 2;
            if (parts.size() == at) {
                return Optional.of(new ApiRequest(verb(method, query, true), group, "namespaces", null, namespace));
            }
        }
        String resource = parts.get(at);
        String name = parts.size() > at + 1 ? parts.get(at + 1) : null;
        if (parts.size() > at + 2) {
            resource = resource + "/" + parts.get(at + 2);
        }
        return Optional.of(new ApiRequest(verb(method, query, name != null), group, resource, namespace, name));
    }

    private static String verb(String method, String query, boolean named) {
        boolean watch = query.matches("(^|.*&)watch=(true|1)(&.*|$)");
        return switch (method.toUpperCase(Locale.ROOT)) {
            case "GET" -> watch ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new IllegalArgumentException("unexpected HTTP method " + method);
        };
    }

    @Override
    public String toString() {
        return verb + " " + (group.isEmpty() ? "" : group + "/") + resource
                + (namespace == null ? " (all namespaces)" : " in " + namespace) + (name == null ? "" : " " + name);
    }
}
