package dev.grpcbalancer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

/** Reads {@code grpc-timeout} header values as a backend would, independently of the proxy's parser. */
public final class GrpcTimeouts {

    private GrpcTimeouts() {
    }

    /** A {@code grpc-timeout} value in nanoseconds; fails the test if it is not a valid value. */
    public static long nanos(String value) {
        assertThat(value).as("grpc-timeout").matches("[0-9]{1,8}[HMSmun]");
        long amount = Long.parseLong(value.substring(0, value.length() - 1));
        TimeUnit unit = switch (value.charAt(value.length() - 1)) {
            case 'H' -> TimeUnit.HOURS;
            case 'M' -> TimeUnit.MINUTES;
            case 'S' -> TimeUnit.SECONDS;
            case 'm' -> TimeUnit.MILLISECONDS;
            case 'u' -> TimeUnit.MICROSECONDS;
            default -> TimeUnit.NANOSECONDS;
        };
        return unit.toNanos(amount);
    }
}
