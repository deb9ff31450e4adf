package dev.grpcbalancer.controller.translate;

import dev.grpcbalancer.snapshot.BalancerId;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of each balancer of a memo, read through the memo's entries: a result hands out its
 * outcomes without copying a map of every balancer per run. Immutable as the entries are.
 */
final class OutcomeView extends AbstractMap<BalancerId, BalancerOutcome> {

    private final Map<BalancerId, ClusterTranslator.Entry> entries;

    OutcomeView(Map<BalancerId, ClusterTranslator.Entry> entries) {
        this.entries = entries;
    }

    @Override
    public BalancerOutcome get(Object id) {
        ClusterTranslator.Entry entry = entries.get(id);
        return entry == null ? null : entry.outcome();
    }

    @Override
    public boolean containsKey(Object id) {
        return entries.containsKey(id);
    }

    @Override
    public int size() {
        return entries.size();
    }

    @Override
    public Set<Map.Entry<BalancerId, BalancerOutcome>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<BalancerId, BalancerOutcome>> iterator() {
                Iterator<Map.Entry<BalancerId, ClusterTranslator.Entry>> it = entries.entrySet().iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Map.Entry<BalancerId, BalancerOutcome> next() {
                        Map.Entry<BalancerId, ClusterTranslator.Entry> next = it.next();
                        return Map.entry(next.getKey(), next.getValue().outcome());
                    }
                };
            }

            @Override
            public int size() {
                return entries.size();
            }
        };
    }
}
