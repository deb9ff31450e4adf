package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BalancerId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.TreeSet;
import java.util.TreeMap;
import java.util.Set;
import java.util.Map;
import java.util.HashSet;
import java.util.Collections;
import java.util.Collection;
import java.util.regex.Pattern;

/**
 * Names of the Services the controller keeps, one per balancer, in the controller's own namespace.
 *
 * <p>The preferred name is {@code gbal-<namespace>-<name>}, so users can guess it. It is not used
 * when it is not a valid Service name (a name with {@code .}), longer than 63 characters, or when
 * the name ends in {@code -} and 8 hex characters (it could then be another balancer's hashed
 * name); such a balancer gets the hashed name: that spelling made valid, cut to fit, followed by
 * {@code -} and 8 hex characters of SHA-256 of {@code namespace/name}.
 *
 * <p>Two balancers can share a preferred name ({@code team-a/api} and {@code team/a-api} are both
 * {@code gbal-team-a-api}). {@link #assign} settles that: the first by namespace/name keeps it, the
 * other gets its hashed name, so every name is distinct and a balancer's name changes only when a
 * balancer with the same preferred name and an earlier id appears.
 */
public final class ManagedServiceNames {

    /** The start of every managed Service's name. */
    public static final String PREFIX = "gbal-";

    /** The start of the name of a Gateway's managed Service: {@code gw-<namespace>-<name>}. */
    public static final String GATEWAY_PREFIX = "gw-";

    /** DNS-1035 label length limit (Service names). */
    static final int MAX_LENGTH = 63;

    private static final int HASH_CHARS = 8;
    private static final Pattern PLAIN_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern HASHED_TAIL = Pattern.compile(".*-[0-9a-f]{" + HASH_CHARS + "}");
    private static final Pattern INVALID_CHARACTERS = Pattern.compile("[^a-z0-9-]");

    private ManagedServiceNames() {
    }

    /**
     * The preferred name of a balancer's Service: {@code gbal-<namespace>-<name>} when that is a
     * valid DNS-1035 label that cannot be mistaken for a hashed name, else {@link #hashedName}.
     */
    public static String serviceName(BalancerId id) {
        return serviceName(id, PREFIX);
    }

    private static String serviceName(BalancerId id, String prefix) {
        requireNonNull(id, "id");
        String plain = prefix + id.namespace() + "-" + id.name();
        boolean usable = PLAIN_NAME.matcher(id.name()).matches() && !HASHED_TAIL.matcher(id.name()).matches();
        return usable && plain.length() <= MAX_LENGTH ? plain : hashedName(id, prefix);
    }

    /** The preferred spelling made valid, cut to fit, and suffixed with {@code -} + 8 hex chars of SHA-256 of {@code namespace/name}. */
    public static String hashedName(BalancerId id) {
        return hashedName(id, PREFIX);
    }

    private static String hashedName(BalancerId id, String prefix) {
        requireNonNull(id, "id");
        String plain = prefix + id.namespace() + "-" + id.name();
        String valid = INVALID_CHARACTERS.matcher(plain.toLowerCase(Locale.ROOT)).replaceAll("-");
        String head = valid.substring(0, Math.min(valid.length(), MAX_LENGTH - HASH_CHARS - 1));
        int end = head.length();
        while (head.charAt(end - 1) == '-') {
            end--;
        }
        return head.substring(0, end) + "-" + hash(id.namespace() + "/" + id.name());
    }

    /**
     * Distinct names for {@code ids}: each gets its preferred name unless a balancer earlier by
     * namespace/name already has it, in which case it gets its hashed name.
     */
    public static Map<BalancerId, String> assign(Collection<BalancerId> ids) {
        return assign(ids, PREFIX);
    }

    /**
     * {@link #assign} for the Services of Gateways (namespace and name in a {@link BalancerId}), whose
     * names start with {@value #GATEWAY_PREFIX} and so never clash with a balancer's.
     */
    public static Map<BalancerId, String> assignGateways(Collection<BalancerId> gateways) {
        return assign(gateways, GATEWAY_PREFIX);
    }

    private static Map<BalancerId, String> assign(Collection<BalancerId> ids, String prefix) {
        requireNonNull(ids, "ids");
        Map<BalancerId, String> names = new TreeMap<>();
        Set<String> taken = new HashSet<>();
        for (BalancerId id : new TreeSet<>(ids)) {
            String name = serviceName(id, prefix);
            if (!taken.add(name)) {
                name = hashedName(id, prefix);
                taken.add(name);
            }
            names.put(id, name);
        }
        return Collections.unmodifiableMap(names);
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, HASH_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}
