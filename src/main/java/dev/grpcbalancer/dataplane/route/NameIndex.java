package dev.grpcbalancer.dataplane.route;

import java.util.Map;

/**
 * An immutable hash table from names to values that is looked up with a region of a request path
 * (no substring is made): open addressing, linear probing, the keys' own {@link String#hashCode}
 * recomputed over the region's characters.
 */
final class NameIndex<V> {

    private final String[] keys;
    private final Object[] values;
    private final int mask;

    NameIndex(Map<String, V> entries) {
        int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2 - 1)) << 1;
        keys = new String[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
        entries.forEach((key, value) -> {
            int slot = spread(key.hashCode()) & mask;
            while (keys[slot] != null) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            values[slot] = value;
        });
    }

    boolean isEmpty() {
        for (String key : keys) {
            if (key != null) {
                return false;
            }
        }
        return true;
    }

    /** The value of the key equal to {@code text[start, end)}, or {@code null}. */
    @SuppressWarnings("unchecked")
    V get(CharSequence text, int start, int end) {
        int hash = 0;
        for (int i = start; i < end; i++) {
            hash = 31 * hash + text.charAt(i);
        }
        for (int slot = spread(hash) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            if (regionEquals(keys[slot], text, start, end)) {
                return (V) values[slot];
            }
        }
        return null;
    }

    /**
     * The value of the key equal to {@code text[start, end)} with ASCII letters compared without
     * case; the keys must be lowercase.
     */
    @SuppressWarnings("unchecked")
    V getIgnoringCase(CharSequence text, int start, int end) {
        int hash = 0;
        for (int i = start; i < end; i++) {
            hash = 31 * hash + lower(text.charAt(i));
        }
        for (int slot = spread(hash) & mask; keys[slot] != null; slot = (slot + 1) & mask) {
            String key = keys[slot];
            if (key.length() == end - start && equalsIgnoringCase(key, text, start)) {
                return (V) values[slot];
            }
        }
        return null;
    }

    private static boolean equalsIgnoringCase(String key, CharSequence text, int start) {
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) != lower(text.charAt(start + i))) {
                return false;
            }
        }
        return true;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    private static boolean regionEquals(String key, CharSequence text, int start, int end) {
        if (key.length() != end - start) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            if (key.charAt(i) != text.charAt(start + i)) {
                return false;
            }
        }
        return true;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
