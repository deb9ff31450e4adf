package dev.grpcbalancer.snapshot;

/** How a route match compares a value: GRPCRoute's {@code Exact} or {@code RegularExpression} (RE2 syntax, whole value). */
public enum MatchType {
    Exact,
    RegularExpression
}
