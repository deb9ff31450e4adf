package dev.grpcbalancer.lb;

/**
 * A 64-bit hash of text that is the same in every JVM and on every replica (unlike
 * {@link String#hashCode}, which is only 32 bits and spreads short keys badly): FNV-1a over the
 * characters, then the MurmurHash3 finaliser to spread every input bit over every output bit.
 * Reads a {@link CharSequence} in place, so a header value is hashed without a copy.
 */
final class KeyHash {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private KeyHash() {
    }

    static long hash(CharSequence text, long seed) {
        long h = FNV_OFFSET ^ seed;
        for (int i = 0, n = text.length(); i < n; i++) {
            h ^= text.charAt(i);
            h *= FNV_PRIME;
        }
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
