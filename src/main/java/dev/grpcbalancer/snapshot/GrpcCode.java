package dev.grpcbalancer.snapshot;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The gRPC status codes, with the names users write in configuration (lowercase, words joined by
 * {@code -}: {@code unavailable}, {@code deadline-exceeded}).
 */
public enum GrpcCode {
    OK(0),
    CANCELLED(1),
    UNKNOWN(2),
    INVALID_ARGUMENT(3),
    DEADLINE_EXCEEDED(4),
    NOT_FOUND(5),
    ALREADY_EXISTS(6),
    PERMISSION_DENIED(7),
    RESOURCE_EXHAUSTED(8),
    FAILED_PRECONDITION(9),
    ABORTED(10),
    OUT_OF_RANGE(11),
    UNIMPLEMENTED(12),
    INTERNAL(13),
    UNAVAILABLE(14),
    DATA_LOSS(15),
    UNAUTHENTICATED(16);

    private static final GrpcCode[] BY_VALUE = values();

    private final int value;
    private final String configName;

    GrpcCode(int value) {
        this.value = value;
        this.configName = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The numeric code, as in {@code grpc-status}. */
    public int value() {
        return value;
    }

    /** The name in configuration, e.g. {@code deadline-exceeded}. */
    public String configName() {
        return configName;
    }

    /** The code of a {@code grpc-status} value, empty for a value outside 0..16. */
    public static Optional<GrpcCode> ofValue(int value) {
        return value >= 0 && value < BY_VALUE.length ? Optional.of(BY_VALUE[value]) : Optional.empty();
    }

    /** The code named {@code name} as written in configuration, exactly. */
    public static Optional<GrpcCode> parse(String name) {
        return Arrays.stream(BY_VALUE).filter(c -> c.configName.equals(name)).findFirst();
    }

    /** Every configuration name, in code order. */
    public static List<String> configNames() {
        return Arrays.stream(BY_VALUE).map(GrpcCode::configName).toList();
    }
}
