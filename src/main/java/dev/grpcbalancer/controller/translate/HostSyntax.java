package dev.grpcbalancer.controller.translate;

import java.util.Locale;

/**
 * Syntax of backend hosts, checked without any lookup: IPv4 dotted quads, IPv6 literals and DNS
 * names. Hosts come back in one canonical spelling (lowercase, IPv6 compressed as in RFC 5952) so
 * that two spellings of one address are recognised as the same endpoint.
 */
final class HostSyntax {

    private static final int MAX_DNS_NAME = 253;
    private static final int MAX_DNS_LABEL = 63;

    private HostSyntax() {
    }

    /** A hostname or IPv4 address (never IPv6), canonical; throws with a message otherwise. */
    static String canonicalNameOrIpv4(String host) {
        if (host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            if (!isIpv4(host)) {
                throw new IllegalArgumentException("invalid IPv4 address \"" + host + "\"");
            }
            return host;
        }
        // A trailing dot (a fully qualified name, skips resolver search domains) is kept.
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (!isDnsName(name, MAX_DNS_NAME, true)) {
            throw new IllegalArgumentException("invalid host name \"" + host
                    + "\" (letters, digits, '-' and '.', labels of at most 63 characters)");
        }
        return host.toLowerCase(Locale.ROOT);
    }

    /** An IPv6 literal without brackets, canonical; throws with a message otherwise. */
    static String canonicalIpv6(String literal) {
        if (literal.indexOf('%') >= 0) {
            throw new IllegalArgumentException("IPv6 zone ids are not supported: \"" + literal + "\"");
        }
        int[] groups = parseIpv6(literal);
        if (groups == null) {
            throw new IllegalArgumentException("invalid IPv6 address \"" + literal + "\"");
        }
        return formatIpv6(groups);
    }

    /**
     * Whether {@code name} is a DNS name made of RFC 1123 labels (letters, digits, '-', not at
     * either end of a label); {@code allowUpperCase} false demands lowercase as Kubernetes names do.
     */
    static boolean isDnsName(String name, int maxLength, boolean allowUpperCase) {
        if (name.isEmpty() || name.length() > maxLength) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!isDnsLabel(label, allowUpperCase)) {
                return false;
            }
        }
        return true;
    }

    static boolean isDnsLabel(String label, boolean allowUpperCase) {
        if (label.isEmpty() || label.length() > MAX_DNS_LABEL
                || label.charAt(0) == '-' || label.charAt(label.length() - 1) == '-') {
            return false;
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                    || (allowUpperCase && c >= 'A' && c <= 'Z');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean isIpv4(String text) {
        // Scanned in place: the translation checks every endpoint address of a changed Service.
        int octets = 0;
        int start = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '.') {
                if (++octets > 4 || !isOctet(text, start, i)) {
                    return false;
                }
                start = i + 1;
            }
        }
        return octets == 4;
    }

    /** {@code text[start, end)} is 0..255 without leading zeros (which some resolvers read as octal). */
    private static boolean isOctet(String text, int start, int end) {
        int length = end - start;
        if (length < 1 || length > 3 || (length > 1 && text.charAt(start) == '0')) {
            return false;
        }
        int value = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 255;
    }

    /** The eight 16-bit groups of an IPv6 literal (RFC 4291 section 2.2), or null. */
    static int[] parseIpv6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        int[] head = gap >= 0 ? parseGroups(text.substring(0, gap), false) : parseGroups(text, true);
        int[] tail = gap >= 0 ? parseGroups(text.substring(gap + 2), true) : new int[0];
        if (head == null || tail == null) {
            return null;
        }
        int given = head.length + tail.length;
        if (gap < 0 ? given != 8 : given > 7) {
            return null;
        }
        int[] groups = new int[8];
        System.arraycopy(head, 0, groups, 0, head.length);
        System.arraycopy(tail, 0, groups, 8 - tail.length, tail.length);
        return groups;
    }

    /** Colon-separated hex groups; the last may be a dotted IPv4 address (two groups). */
    private static int[] parseGroups(String text, boolean ipv4Last) {
        if (text.isEmpty()) {
            return new int[0];
        }
        String[] parts = text.split(":", -1);
        int[] groups = new int[parts.length + 1];
        int count = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (ipv4Last && i == parts.length - 1 && part.indexOf('.') >= 0) {
                if (!isIpv4(part)) {
                    return null;
                }
                String[] octets = part.split("\\.");
                groups[count++] = Integer.parseInt(octets[0]) << 8 | Integer.parseInt(octets[1]);
                groups[count++] = Integer.parseInt(octets[2]) << 8 | Integer.parseInt(octets[3]);
            } else {
                if (part.isEmpty() || part.length() > 4 || !part.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    return null;
                }
                groups[count++] = Integer.parseInt(part, 16);
            }
        }
        int[] result = new int[count];
        System.arraycopy(groups, 0, result, 0, count);
        return result;
    }

    /** RFC 5952: lowercase, no leading zeros, the longest run of two or more zero groups as "::". */
    static String formatIpv6(int[] groups) {
        if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0
                && groups[5] == 0xffff) {
            return "::ffff:" + (groups[6] >> 8) + "." + (groups[6] & 0xff) + "." + (groups[7] >> 8) + "."
                    + (groups[7] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
