package dev.grpcbalancer.lb;

import dev.grpcbalancer.snapshot.Endpoint;

/**
 * The lookup table of Maglev consistent hashing (Eisenbud et al., NSDI 2016), weighted: every
 * endpoint has its own permutation of the table's slots, derived from its address alone, and the
 * endpoints take turns claiming their next free slot, each as often as its weight allows, until
 * every slot is owned. A key's endpoint is the owner of slot {@code hash(key) mod size}.
 *
 * <p>Because an endpoint's preferences depend only on its own address, adding or removing one of n
 * endpoints moves about 1/n of the slots, and every replica builds the same table from the same
 * endpoints.
 */
final class MaglevTable {

    private static final long OFFSET_SEED = 0x9e3779b97f4a7c15L;
    private static final long SKIP_SEED = 0xbf58476d1ce4e5b9L;

    private MaglevTable() {
    }

    /**
     * The table for {@code endpoints} (at least one): entry i is the index in {@code endpoints} of
     * the owner of slot i.
     *
     * @param size a prime, larger than the number of endpoints
     */
    static int[] build(Endpoint[] endpoints, int size) {
        int n = endpoints.length;
        long[] offset = new long[n];
        long[] skip = new long[n];
        int maxWeight = 1;
        for (int i = 0; i < n; i++) {
            String key = endpoints[i].address().toString();
            offset[i] = Long.remainderUnsigned(KeyHash.hash(key, OFFSET_SEED), size);
            skip[i] = Long.remainderUnsigned(KeyHash.hash(key, SKIP_SEED), size - 1) + 1;
            maxWeight = Math.max(maxWeight, endpoints[i].weight());
        }
        int[] table = new int[size];
        java.util.Arrays.fill(table, -1);
        long[] tried = new long[n];
        long[] claimed = new long[n];
        int filled = 0;
        for (long round = 1; filled < size; round++) {
            for (int i = 0; i < n && filled < size; i++) {
                // endpoint i may own round * weight / maxWeight slots after this round
                if (round * endpoints[i].weight() / maxWeight <= claimed[i]) {
                    continue;
                }
                int slot;
                do {
                    slot = (int) ((offset[i] + tried[i] * skip[i]) % size);
                    tried[i]++;
                } while (table[slot] >= 0);
                table[slot] = i;
                claimed[i]++;
                filled++;
            }
        }
        return table;
    }
}
