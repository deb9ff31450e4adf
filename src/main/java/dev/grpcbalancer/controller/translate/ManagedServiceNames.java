package dev.grpcbalancer.controller.translate;

import static java.util.Objects.requireNonNull;

import dev.grpcbalancer.snapshot.BalancerId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Names of the Services the controller keeps, one per balancer, in the controller's own namespace.
 *
 * <p>A name is {@code gbal-<namespace>-<name>} when that spelling is a valid Service name and
 * cannot stand for another balancer; otherwise it is that spelling made valid and cut to fit,
 * followed by {@code -} and 8 hex characters of SHA-256 of {@code namespace/name}. The plain
 * spelling alone would be ambiguous in three cases, each of which therefore gets the hash:
 * <ul>
 *   <li>the namespace contains {@code -} ({@code team-a/api} and {@code team/a-api} would both be
 *       {@code gbal-team-a-api});</li>
 *   <li>the name contains a character a Service name cannot ({@code .}, from a DNS-subdomain
 *       name) or the whole is longer than 63 characters;</li>
 *   <li>the name itself ends in {@code -} and 8 hex characters, so it could read as a hashed one.</li>
 * </ul>
 * Distinct balancers thus get distinct names (hashed names differ unless their first 54 characters
 * and a 32-bit hash both agree).
 */
public final class ManagedServiceNames {

    /** The start of every managed Service's name. */
    public static final String PREFIX = "gbal-";

    /** DNS-1035 label length limit (Service names). */
    static final int MAX_LENGTH = 63;

    private static final int HASH_CHARS = 8;
    private static final Pattern PLAIN_NAMESPACE = Pattern.compile("[a-z0-9]+");
    private static final Pattern PLAIN_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern HASHED_TAIL = Pattern.compile(".*-[0-9a-f]{" + HASH_CHARS + "}");
    private static final Pattern INVALID_CHARACTERS = Pattern.compile("[^a-z0-9-]");

    private ManagedServiceNames() {
    }

    /**
     * Name of the Service the controller keeps for a balancer in the controller's namespace:
     * {@code gbal-<namespace>-<name>}, a valid DNS-1035 label (at most 63 characters, starts with a
     * letter, ends with a letter or digit); when that is too long or ambiguous (see the class
     * comment), made valid, truncated and suffixed with {@code -} + 8 hex chars of a stable hash
     * (SHA-256 of {@code namespace/name}) so distinct balancers never collide.
     */
    public static String serviceName(BalancerId id) {
        requireNonNull(id, "id");
        String plain = PREFIX + id.namespace() + "-" + id.name();
        boolean unambiguous = PLAIN_NAMESPACE.matcher(id.namespace()).matches()
                && PLAIN_NAME.matcher(id.name()).matches()
                && !HASHED_TAIL.matcher(id.name()).matches();
        if (unambiguous && plain.length() <= MAX_LENGTH) {
            return plain;
        }
        String valid = INVALID_CHARACTERS.matcher(plain.toLowerCase(Locale.ROOT)).replaceAll("-");
        String head = valid.substring(0, Math.min(valid.length(), MAX_LENGTH - HASH_CHARS - 1));
        int end = head.length();
        while (head.charAt(end - 1) == '-') {
            end--;
        }
        return head.substring(0, end) + "-" + hash(id.namespace() + "/" + id.name());
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
