package dev.grpcbalancer.controller.translate.tls;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Parsed key material by content, so that a reconcile or reload that sees the same Secrets again
 * does not parse and check them again (a key check signs with the key). {@link #retainUsed()}
 * drops what the last run did not ask for: only material some balancer references stays in memory.
 * Failures are remembered too. Transparent to its callers (same content, same answer), so a
 * translation that uses it stays a function of its inputs. Not thread-safe: one owner (the
 * reconcile thread, the standalone reload).
 */
public final class KeyMaterialCache {

    private Map<String, Object> entries = new HashMap<>();
    private Map<String, Object> used = new HashMap<>();

    /** {@link KeyMaterial#keyPair} of this content, from the cache when seen before. */
    public KeyMaterial.KeyPair keyPair(String chainFile, String chainText, String keyFile, String keyText) {
        return lookup("pair\0" + chainFile + "\0" + chainText + "\0" + keyFile + "\0" + keyText,
                () -> KeyMaterial.keyPair(chainFile, chainText, keyFile, keyText), KeyMaterial.KeyPair.class);
    }

    /** {@link KeyMaterial#caBundle} of this content, from the cache when seen before. */
    public KeyMaterial.CaBundle caBundle(String file, String text) {
        return lookup("ca\0" + file + "\0" + text, () -> KeyMaterial.caBundle(file, text), KeyMaterial.CaBundle.class);
    }

    /** Forgets every entry not asked for since the previous call. */
    public void retainUsed() {
        entries = used;
        used = new HashMap<>();
    }

    /** Entries held now (tests check the retention with it). */
    int size() {
        Set<String> all = new HashSet<>(entries.keySet());
        all.addAll(used.keySet());
        return all.size();
    }

    private <T> T lookup(String key, Supplier<T> parse, Class<T> type) {
        Object value = used.get(key);
        if (value == null) {
            value = entries.get(key);
        }
        if (value == null) {
            try {
                value = parse.get();
            } catch (IllegalArgumentException e) {
                value = e;
            }
        }
        used.put(key, value);
        if (value instanceof IllegalArgumentException failure) {
            throw new IllegalArgumentException(failure.getMessage());
        }
        return type.cast(value);
    }
}
