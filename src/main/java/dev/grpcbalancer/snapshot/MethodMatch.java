package dev.grpcbalancer.snapshot;

import static java.util.Objects.requireNonNull;

/**
 * Which gRPC service and method a call must have, as GRPCRoute's {@code GRPCMethodMatch}: an empty
 * {@code service} or {@code method} matches any. With {@link MatchType#Exact} the names are
 * compared exactly (case-sensitive); with {@link MatchType#RegularExpression} each non-empty one
 * is an RE2 expression that must match the whole name. {@link #ANY} matches every call.
 */
public record MethodMatch(MatchType type, String service, String method) {

    public static final MethodMatch ANY = new MethodMatch(MatchType.Exact, "", "");

    public MethodMatch {
        requireNonNull(type, "type");
        requireNonNull(service, "service");
        requireNonNull(method, "method");
        if (type == MatchType.Exact && (service.indexOf('/') >= 0 || method.indexOf('/') >= 0)) {
            throw new IllegalArgumentException("an exact service or method must not contain '/': " + service + "/" + method);
        }
    }

    public static MethodMatch exact(String service, String method) {
        return new MethodMatch(MatchType.Exact, service, method);
    }

    public static MethodMatch regex(String service, String method) {
        return new MethodMatch(MatchType.RegularExpression, service, method);
    }

    /** Matches every service and method. */
    public boolean isAny() {
        return service.isEmpty() && method.isEmpty();
    }

    @Override
    public String toString() {
        return isAny() ? "any method" : (type == MatchType.Exact ? "" : "~") + "/" + (service.isEmpty() ? "*" : service) + "/"
                + (method.isEmpty() ? "*" : method);
    }
}
