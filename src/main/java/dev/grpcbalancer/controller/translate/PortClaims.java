package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.controller.translate.BalancerCandidates.Candidate;
import dev.grpcbalancer.controller.translate.gateway.GatewayCandidate;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides which balancer keeps a listener port that several balancers ask for: the oldest
 * ({@code metadata.creationTimestamp}), then the one already listening on it (timestamps have second
 * precision, so two balancers created in the same second must not swap the port between them),
 * then the first by namespace/name. The outcome depends only
 * on the claims, never on their order, so every replica and every reconcile agrees.
 */
public final class PortClaims {

    /** Oldest first; a missing (or unreadable) timestamp counts as newest; ties by namespace/name. */
    private static final Comparator<Claim> PRECEDENCE = Comparator
            .comparing((Claim claim) -> createdAt(claim.creationTimestamp()),
                    Comparator.nullsLast(Comparator.<Instant>naturalOrder()))
            .thenComparing(Claim::holdsPort, Comparator.reverseOrder())
            .thenComparing(Claim::id);

    private PortClaims() {
    }

    /**
     * One balancer's listener port.
     *
     * @param creationTimestamp RFC 3339 as in metadata (e.g. {@code 2026-11-30T22:50:00Z}), may be
     *     null; a value that does not parse counts as null
     * @param holdsPort whether the balancer listens on this port now
     */
    public record Claim(BalancerId id, int port, String creationTimestamp, boolean holdsPort) {

        /** A claim by a balancer that does not hold the port yet. */
        public Claim(BalancerId id, int port, String creationTimestamp) {
            this(id, port, creationTimestamp, false);
        }

        public Claim {
            requireNonNull(id, "id");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535: " + port);
            }
        }
    }

    /**
     * Who keeps each port when balancers clash: the oldest (creationTimestamp), then the one that
     * holds it, then namespace/name. Returns loser -> winner, ordered by loser; a balancer absent from the map keeps its port. Null
     * timestamps count as newest.
     *
     * @throws IllegalArgumentException when one balancer claims more than once
     */
    public static Map<BalancerId, BalancerId> arbitrate(Collection<Claim> claims) {
        requireNonNull(claims, "claims");
        // One pass over every claim; only ports claimed more than once are sorted (timestamps parsed).
        Set<BalancerId> seen = new HashSet<>(claims.size() * 2);
        Map<Integer, Claim> first = new HashMap<>(claims.size() * 2);
        Map<Integer, List<Claim>> contested = new HashMap<>();
        for (Claim claim : claims) {
            if (!seen.add(requireNonNull(claim, "claim").id())) {
                throw new IllegalArgumentException("balancer " + claim.id() + " claims more than once");
            }
            Claim earlier = first.putIfAbsent(claim.port(), claim);
            if (earlier != null) {
                contested.computeIfAbsent(claim.port(), port -> new ArrayList<>(List.of(earlier))).add(claim);
            }
        }
        if (contested.isEmpty()) {
            return Map.of();
        }
        Map<BalancerId, BalancerId> losers = new TreeMap<>();
        for (List<Claim> contenders : contested.values()) {
            contenders.sort(PRECEDENCE);
            BalancerId winner = contenders.get(0).id();
            contenders.subList(1, contenders.size()).forEach(loser -> losers.put(loser.id(), winner));
        }
        return Collections.unmodifiableMap(losers);
    }

    private static Instant createdAt(String timestamp) {
        return Optional.ofNullable(timestamp).flatMap(PortClaims::parse).orElse(null);
    }

    private static Optional<Instant> parse(String timestamp) {
        try {
            return Optional.of(OffsetDateTime.parse(timestamp).toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Every listener port the candidates and Gateways of a translation ask for. */
    static List<Claim> of(List<Candidate> candidates, List<GatewayCandidate> gateways,
            Map<BalancerId, BalancerConfig> listening) {
        List<Claim> claims = new ArrayList<>(candidates.size());
        for (Candidate candidate : candidates) {
            if (candidate.config() != null) {
                int port = candidate.config().listenerPort();
                BalancerConfig serving = listening.get(candidate.id());
                claims.add(new Claim(candidate.id(), port, candidate.resource().getMetadata().getCreationTimestamp(),
                        serving != null && serving.listenerPort() == port));
            }
        }
        for (GatewayCandidate gateway : gateways) {
            for (BalancerConfig config : gateway.ports().values()) {
                BalancerConfig serving = listening.get(config.id());
                claims.add(new Claim(config.id(), config.listenerPort(),
                        gateway.resource().getMetadata().getCreationTimestamp(),
                        serving != null && serving.listenerPort() == config.listenerPort()));
            }
        }
        return claims;
    }

    /** Whether two translations of one balancer claim the same: a port (or none) and the creation time. */
    static boolean sameClaim(Candidate before, Candidate now) {
        BalancerConfig a = before.config();
        BalancerConfig b = now.config();
        return a == null ? b == null : b != null && a.listenerPort() == b.listenerPort()
                && Objects.equals(before.resource().getMetadata().getCreationTimestamp(),
                        now.resource().getMetadata().getCreationTimestamp());
    }
}
