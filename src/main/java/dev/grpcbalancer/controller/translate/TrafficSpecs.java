package dev.grpcbalancer.controller.translate;

import static dev.grpcbalancer.controller.translate.ResilienceSpecs.duration;
import static dev.grpcbalancer.controller.translate.ResilienceSpecs.range;

import dev.grpcbalancer.controller.crd.ConsistentHashSpec;
import dev.grpcbalancer.controller.crd.GrpcBalancerSpec;
import dev.grpcbalancer.controller.crd.KeepaliveSpec;
import dev.grpcbalancer.controller.crd.ListenerSpec;
import dev.grpcbalancer.controller.crd.LoadBalancingSpec;
import dev.grpcbalancer.controller.crd.TrafficDistribution;
import dev.grpcbalancer.controller.crd.ZoneAwareSpec;
import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.Keepalive;
import dev.grpcbalancer.snapshot.ListenerLifecycle;
import dev.grpcbalancer.snapshot.LoadBalancingOptions;
import dev.grpcbalancer.snapshot.LoadBalancingOptions.ConsistentHash;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the policy tunables ({@code loadBalancing.peakEwma}, {@code consistentHash},
 * {@code zoneAware}, of the balancer and of each rule), the client connection lifecycle ({@code spec.listener.maxConnectionAge},
 * {@code maxConnectionAgeGrace}, {@code idleTimeout}) and {@code spec.keepalive}: every field
 * checked (problems go to the error list, in field order) and defaulted. Pure. The result is
 * meaningful only when no error was added.
 */
final class TrafficSpecs {

    /** An HTTP header name as HTTP/2 carries it: a lowercase token. */
    private static final Pattern HEADER = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]{1,100}");
    private static final Duration MIN_CONNECTION_TIME = Duration.ofSeconds(1);

    private TrafficSpecs() {
    }

    /**
     * @param balancing the policy tunables of the balancer's own {@code loadBalancing} section
     */
    record Traffic(Balancing balancing, ListenerLifecycle listener, Keepalive keepalive) {
    }

    /**
     * A {@code loadBalancing} section's tunables.
     *
     * @param trafficDistribution {@code loadBalancing.zoneAware.trafficDistribution}, which replaces
     *     the topology hints of every endpoint of the balancer (or rule); empty when not set
     */
    record Balancing(LoadBalancingOptions options, Optional<TrafficDistribution> trafficDistribution) {

        static final Balancing DEFAULT = new Balancing(LoadBalancingOptions.DEFAULT, Optional.empty());

        /** {@code backends} with the hints {@link #trafficDistribution} gives, or as they are. */
        BackendSet hinted(BackendSet backends) {
            return trafficDistribution.map(t -> ZoneHints.apply(backends, t)).orElse(backends);
        }
    }

    static Traffic read(GrpcBalancerSpec spec, List<SpecError> errors) {
        return new Traffic(balancing("spec", spec.getLoadBalancing(), errors), listener(spec.getListener(), errors),
                keepalive(spec.getKeepalive(), errors));
    }

    /**
     * The tunables of the {@code loadBalancing} section at {@code prefix} ({@code spec} or
     * {@code spec.rules[i]}); null for the defaults.
     */
    static Balancing balancing(String prefix, LoadBalancingSpec lb, List<SpecError> errors) {
        if (lb == null) {
            return Balancing.DEFAULT;
        }
        String field = prefix + ".loadBalancing";
        String policy = lb.getPolicy() == null ? LoadBalancingPolicy.RoundRobin.name() : lb.getPolicy();
        LoadBalancingOptions options = LoadBalancingOptions.DEFAULT;
        Optional<TrafficDistribution> distribution = Optional.empty();
        if (lb.getPeakEwma() != null) {
            onlyFor(field + ".peakEwma", LoadBalancingPolicy.PeakEwma, policy, errors);
            options = options.withPeakEwmaDecay(duration(field + ".peakEwma.decay",
                    lb.getPeakEwma().getDecay(), options.peakEwmaDecay(), errors));
        }
        if (lb.getConsistentHash() != null) {
            onlyFor(field + ".consistentHash", LoadBalancingPolicy.ConsistentHash, policy, errors);
            options = options.withConsistentHash(consistentHash(field + ".consistentHash", lb.getConsistentHash(),
                    errors));
        } else if (policy.equals(LoadBalancingPolicy.ConsistentHash.name())) {
            errors.add(new SpecError(field + ".consistentHash.header",
                    "required with policy ConsistentHash (the header whose value is a call's key)"));
        }
        ZoneAwareSpec zoneAware = lb.getZoneAware();
        if (zoneAware != null) {
            options = options.withMinZoneSharePercent(range(field + ".zoneAware.minZoneSharePercent",
                    zoneAware.getMinZoneSharePercent(), 0, 100, options.minZoneSharePercent(), errors));
            distribution = trafficDistribution(field + ".zoneAware.trafficDistribution",
                    zoneAware.getTrafficDistribution(), errors);
        }
        return new Balancing(options, distribution);
    }

    private static void onlyFor(String field, LoadBalancingPolicy owner, String policy, List<SpecError> errors) {
        if (!owner.name().equals(policy)) {
            errors.add(new SpecError(field, "is for policy " + owner + " only, the policy is " + policy));
        }
    }

    private static ConsistentHash consistentHash(String field, ConsistentHashSpec spec, List<SpecError> errors) {
        String header = spec.getHeader();
        if (header == null || header.isEmpty()) {
            errors.add(new SpecError(field + ".header", "required"));
            header = "";
        } else if (!HEADER.matcher(header).matches()) {
            errors.add(new SpecError(field + ".header", "must be a lowercase HTTP header"
                    + " name (letters, digits, '-' and the other token characters), got \"" + header + "\""));
            header = "";
        }
        int tableSize = ConsistentHash.DEFAULT_TABLE_SIZE;
        if (spec.getTableSize() != null) {
            int size = spec.getTableSize();
            if (size < ConsistentHash.MIN_TABLE_SIZE || size > ConsistentHash.MAX_TABLE_SIZE
                    || !ConsistentHash.isPrime(size)) {
                errors.add(new SpecError(field + ".tableSize", "must be a prime number "
                        + ConsistentHash.MIN_TABLE_SIZE + ".." + ConsistentHash.MAX_TABLE_SIZE
                        + " (65537 or 5000011, for example), got " + size));
            } else {
                tableSize = size;
            }
        }
        double factor = ConsistentHash.DEFAULT_BOUNDED_LOAD_FACTOR;
        Double given = spec.getBoundedLoadFactor();
        if (given != null) {
            if (!(given > 1) || given > ConsistentHash.MAX_BOUNDED_LOAD_FACTOR) {
                errors.add(new SpecError(field + ".boundedLoadFactor", "must be more than 1"
                        + " and at most " + (int) ConsistentHash.MAX_BOUNDED_LOAD_FACTOR + ", got " + given));
            } else {
                factor = given;
            }
        }
        return new ConsistentHash(header, tableSize, factor);
    }

    private static Optional<TrafficDistribution> trafficDistribution(String field, String name, List<SpecError> errors) {
        if (name == null) {
            return Optional.empty();
        }
        Optional<TrafficDistribution> parsed = TrafficDistribution.parse(name);
        if (parsed.isEmpty()) {
            errors.add(new SpecError(field, "must be one of "
                    + String.join(", ", TrafficDistribution.names()) + ", got \"" + name + "\""));
        }
        return parsed;
    }

    private static ListenerLifecycle listener(ListenerSpec spec, List<SpecError> errors) {
        if (spec == null) {
            return ListenerLifecycle.DEFAULT;
        }
        return new ListenerLifecycle(
                atLeastOneSecond("spec.listener.maxConnectionAge", spec.getMaxConnectionAge(), errors),
                duration("spec.listener.maxConnectionAgeGrace", spec.getMaxConnectionAgeGrace(), Duration.ZERO, errors),
                atLeastOneSecond("spec.listener.idleTimeout", spec.getIdleTimeout(), errors));
    }

    private static Keepalive keepalive(KeepaliveSpec spec, List<SpecError> errors) {
        Keepalive d = Keepalive.DEFAULT;
        if (spec == null) {
            return d;
        }
        Duration timeout = duration("spec.keepalive.timeout", spec.getTimeout(), d.timeout(), errors);
        if (spec.getInterval() != null && Duration.ZERO.equals(DurationSyntax.parse(spec.getInterval()))) {
            return new Keepalive(Duration.ZERO, timeout); // 0s: off
        }
        Duration interval = duration("spec.keepalive.interval", spec.getInterval(), d.interval(), errors);
        if (interval.compareTo(MIN_CONNECTION_TIME) < 0) {
            errors.add(new SpecError("spec.keepalive.interval", "must be at least 1s (or 0s: off), got "
                    + spec.getInterval()));
            interval = d.interval();
        }
        return new Keepalive(interval, timeout);
    }

    /** A duration of at least a second, or {@link Duration#ZERO} when not set. */
    private static Duration atLeastOneSecond(String field, String text, List<SpecError> errors) {
        Duration value = duration(field, text, Duration.ZERO, errors);
        if (!value.isZero() && value.compareTo(MIN_CONNECTION_TIME) < 0) {
            errors.add(new SpecError(field, "must be at least 1s, got " + text));
            return Duration.ZERO;
        }
        return value;
    }
}
