package dev.grpcbalancer.dataplane.call;

import java.util.concurrent.TimeUnit;

/**
 * The {@code grpc-timeout} header: at most 8 ASCII digits followed by a unit (H hours, M minutes,
 * S seconds, m milliseconds, u microseconds, n nanoseconds).
 */
final class GrpcTimeout {

    static final long NOT_SET = -1;
    private static final long MAX_VALUE = 99_999_999L;
    /** The header's units, finest first, and their suffixes. */
    private static final TimeUnit[] UNITS = {TimeUnit.NANOSECONDS, TimeUnit.MICROSECONDS, TimeUnit.MILLISECONDS,
        TimeUnit.SECONDS, TimeUnit.MINUTES, TimeUnit.HOURS};
    private static final String[] SUFFIXES = {"n", "u", "m", "S", "M", "H"};

    private GrpcTimeout() {}

    /** The timeout in nanoseconds, or {@link #NOT_SET} when {@code value} is absent or malformed. */
    static long parseNanos(CharSequence value) {
        if (value == null) {
            return NOT_SET;
        }
        int length = value.length();
        if (length < 2 || length > 9) {
            return NOT_SET;
        }
        long amount = 0;
        for (int i = 0; i < length - 1; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return NOT_SET;
            }
            amount = amount * 10 + (c - '0');
        }
        TimeUnit unit = switch (value.charAt(length - 1)) {
            case 'H' -> TimeUnit.HOURS;
            case 'M' -> TimeUnit.MINUTES;
            case 'S' -> TimeUnit.SECONDS;
            case 'm' -> TimeUnit.MILLISECONDS;
            case 'u' -> TimeUnit.MICROSECONDS;
            case 'n' -> TimeUnit.NANOSECONDS;
            default -> null;
        };
        return unit == null ? NOT_SET : unit.toNanos(amount);
    }

    /** Encodes {@code nanos} (at least 1) in the finest unit whose amount fits 8 digits. */
    static String format(long nanos) {
        long value = Math.max(1, nanos);
        for (int i = 0; i < UNITS.length - 1; i++) {
            long amount = UNITS[i].convert(value, TimeUnit.NANOSECONDS);
            if (amount <= MAX_VALUE) {
                return amount + SUFFIXES[i];
            }
        }
        return Math.min(MAX_VALUE, TimeUnit.NANOSECONDS.toHours(value)) + SUFFIXES[UNITS.length - 1];
    }
}
