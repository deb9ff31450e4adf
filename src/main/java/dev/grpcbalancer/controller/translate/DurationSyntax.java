package dev.grpcbalancer.controller.translate;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the Gateway API writes them: one to four parts of up to five digits and a unit
 * ({@code h}, {@code m}, {@code s}, {@code ms}), e.g. {@code 250ms}, {@code 5s}, {@code 1m30s}.
 */
final class DurationSyntax {

    /** The whole syntax, also the CRD's pattern. */
    static final String PATTERN = "^([0-9]{1,5}(h|m|s|ms)){1,4}$";
    private static final Pattern WHOLE = Pattern.compile(PATTERN);
    private static final Pattern PART = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");

    private DurationSyntax() {
    }

    /** The duration {@code text} stands for, or {@code null} when it is not one. */
    static Duration parse(String text) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            return null;
        }
        Duration total = Duration.ZERO;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            long amount = Long.parseLong(part.group(1));
            total = total.plus(switch (part.group(2)) {
                case "h" -> Duration.ofHours(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "s" -> Duration.ofSeconds(amount);
                default -> Duration.ofMillis(amount);
            });
        }
        return total;
    }
}
