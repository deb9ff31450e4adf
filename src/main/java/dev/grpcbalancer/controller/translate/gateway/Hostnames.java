package dev.grpcbalancer.controller.translate.gateway;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Gateway API hostname rules: a wildcard {@code *.example.com} stands for every host that ends in
 * {@code .example.com} (one label or more before it, never {@code example.com} itself), and a
 * route's hostnames are narrowed to a listener's. Pure.
 */
final class Hostnames {

    private Hostnames() {
    }

    /**
     * The hostnames a route serves on a listener: each of the route's hostnames narrowed to the
     * listener's (the more specific of the two where one covers the other), the listener's own
     * when the route names none. Empty {@link Optional}: they do not intersect. An empty list: any
     * host (neither names one).
     *
     * @param listener the listener's hostname, or {@code null} for any host
     * @param route the route's {@code spec.hostnames} (empty for any host)
     */
    static Optional<List<String>> intersect(String listener, List<String> route) {
        if (route.isEmpty()) {
            return Optional.of(listener == null ? List.of() : List.of(listener));
        }
        if (listener == null) {
            return Optional.of(List.copyOf(route));
        }
        List<String> narrowed = new ArrayList<>();
        for (String hostname : route) {
            String common = narrower(listener, hostname);
            if (common != null && !narrowed.contains(common)) {
                narrowed.add(common);
            }
        }
        return narrowed.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(narrowed));
    }

    /** The hostnames that both cover: the more specific one, or null when neither covers the other. */
    private static String narrower(String a, String b) {
        if (covers(a, b)) {
            return b;
        }
        if (covers(b, a)) {
            return a;
        }
        return null;
    }

    /** Whether every host {@code inner} stands for is one {@code outer} stands for. */
    static boolean covers(String outer, String inner) {
        if (outer.equals(inner)) {
            return true;
        }
        if (!isWildcard(outer)) {
            return false;
        }
        String suffix = outer.substring(1); // ".example.com"
        String innerHost = isWildcard(inner) ? inner.substring(2) : inner;
        // *.example.com covers a.example.com and *.a.example.com, not example.com.
        return innerHost.endsWith(suffix) && innerHost.length() > suffix.length();
    }

    static boolean isWildcard(String hostname) {
        return hostname.startsWith("*.");
    }

    /** The union of several listeners' narrowed hostnames; any host when one of them is. */
    static List<String> union(Collection<List<String>> perListener) {
        List<String> all = new ArrayList<>();
        for (List<String> hostnames : perListener) {
            if (hostnames.isEmpty()) {
                return List.of();
            }
            hostnames.stream().filter(h -> !all.contains(h)).forEach(all::add);
        }
        return List.copyOf(all);
    }
}
