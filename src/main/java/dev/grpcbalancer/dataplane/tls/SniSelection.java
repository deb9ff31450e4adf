package dev.grpcbalancer.dataplane.tls;

import io.netty.util.Mapping;
import java.util.HashMap;
import java.util.Map;

/**
 * Picks what a client connection is served from the host name it sent in SNI, as the Gateway API
 * picks a listener by its {@code hostname}: the group of that exact name, else the group of the
 * longest wildcard that matches it ({@code *.example.com} takes {@code a.example.com} and
 * {@code a.b.example.com}, never {@code example.com}), else the fallback (the group for any host,
 * or the listener's first). The group then picks among its own certificates by their names.
 * Immutable; asked once per handshake, with the lowercase name or {@code null} for no SNI.
 */
final class SniSelection<T> implements Mapping<String, T> {

    private final Map<String, Mapping<String, T>> exact;
    /** By the wildcard's suffix with its dot: {@code .example.com}. */
    private final Map<String, Mapping<String, T>> wildcards;
    private final Mapping<String, T> fallback;

    /**
     * @param byHostname the groups by host name, exact or {@code *.} wildcard (lowercase)
     * @param fallback the group of a name no host name takes, and of no SNI
     */
    SniSelection(Map<String, Mapping<String, T>> byHostname, Mapping<String, T> fallback) {
        Map<String, Mapping<String, T>> exactNames = new HashMap<>();
        Map<String, Mapping<String, T>> suffixes = new HashMap<>();
        byHostname.forEach((hostname, group) -> {
            if (hostname.startsWith("*.")) {
                suffixes.put(hostname.substring(1), group);
            } else {
                exactNames.put(hostname, group);
            }
        });
        this.exact = Map.copyOf(exactNames);
        this.wildcards = Map.copyOf(suffixes);
        this.fallback = fallback;
    }

    @Override
    public T map(String serverName) {
        return group(serverName).map(serverName);
    }

    private Mapping<String, T> group(String serverName) {
        if (serverName == null || exact.isEmpty() && wildcards.isEmpty()) {
            return fallback;
        }
        Mapping<String, T> group = exact.get(serverName);
        if (group != null) {
            return group;
        }
        // the longest wildcard first: the suffix from the first dot, then from the next one
        for (int dot = serverName.indexOf('.', 1); dot > 0; dot = serverName.indexOf('.', dot + 1)) {
            group = wildcards.get(serverName.substring(dot));
            if (group != null) {
                return group;
            }
        }
        return fallback;
    }
}
