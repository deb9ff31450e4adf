package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * A request header a call must carry, as GRPCRoute's {@code GRPCHeaderMatch}: a value of header
 * {@code name} (lowercased here: HTTP/2 names are lowercase) equal to {@code value}, or matching
 * it as a whole with {@link MatchType#RegularExpression} (RE2). A header sent several times
 * matches when any of its values does.
 */
public record HeaderMatch(MatchType type, String name, String value) {

    public HeaderMatch {
        requireNonNull(type, "type");
        requireNonNull(name, "name");
        requireNonNull(value, "value");
        if (name.isEmpty() || name.charAt(0) == ':') {
            throw new IllegalArgumentException("header name must be a regular header name: \"" + name + "\"");
        }
        name = name.toLowerCase(Locale.ROOT);
    }

    public static HeaderMatch exact(String name, String value) {
        return new HeaderMatch(MatchType.Exact, name, value);
    }

    public static HeaderMatch regex(String name, String value) {
        return new HeaderMatch(MatchType.RegularExpression, name, value);
    }

    @Override
    public String toString() {
        return name + (type == MatchType.Exact ? "=" : "~") + value;
    }
}
