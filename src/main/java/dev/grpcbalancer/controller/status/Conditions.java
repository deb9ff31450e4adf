package dev.grpcbalancer.controller.status;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds {@code status.conditions} in the shape of Kubernetes' {@code metav1.Condition}. Pure: the
 * current time is a parameter, and equal input gives equal output, so the caller can compare the
 * result with what the resource holds and patch only when they differ.
 */
public final class Conditions {

    public static final String TRUE = "True";
    public static final String FALSE = "False";
    public static final String UNKNOWN = "Unknown";

    /** metav1.Condition's limit on {@code message}. */
    public static final int MAX_MESSAGE = 32768;

    private static final int MAX_REASON = 1024;
    private static final int MAX_TYPE = 316;
    private static final Pattern REASON = Pattern.compile("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$");
    /** An optional DNS-subdomain prefix and "/", then a qualified name (as metav1.Condition). */
    private static final Pattern TYPE = Pattern.compile(
            "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
            + "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$");

    private Conditions() {
    }

    /**
     * One condition as the controller wants it now.
     *
     * @param type e.g. {@code Accepted}; a metav1 condition type (at most 316 characters)
     * @param status {@value #TRUE}, {@value #FALSE} or {@value #UNKNOWN}
     * @param reason CamelCase, e.g. {@code BackendNotFound} (matches
     *     {@code ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$}, at most 1024 characters)
     * @param message for users; cut to {@value #MAX_MESSAGE} characters when longer (never in the
     *     middle of a surrogate pair)
     */
    public record Desired(String type, String status, String reason, String message) {

        public Desired {
            requireNonNull(type, "type");
            requireNonNull(status, "status");
            requireNonNull(reason, "reason");
            requireNonNull(message, "message");
            if (type.length() > MAX_TYPE || !TYPE.matcher(type).matches()) {
                throw new IllegalArgumentException("invalid condition type \"" + type + "\"");
            }
            if (!status.equals(TRUE) && !status.equals(FALSE) && !status.equals(UNKNOWN)) {
                throw new IllegalArgumentException("status must be True, False or Unknown, got \"" + status + "\"");
            }
            if (reason.length() > MAX_REASON || !REASON.matcher(reason).matches()) {
                throw new IllegalArgumentException("reason must be CamelCase (" + REASON.pattern() + "), got \""
                        + reason + "\"");
            }
            message = truncate(message);
        }
    }

    /**
     * The status.conditions to write: one per desired entry (type, status, reason, message), in
     * desired order, each with {@code observedGeneration = generation} and
     * {@code lastTransitionTime} = the current condition's time when that type's status is unchanged
     * (and the current condition has a time), else {@code now} (RFC 3339, second precision, UTC, e.g.
     * {@code 2026-11-30T22:50:00Z}). {@code current} may be null. Types not in desired are dropped.
     *
     * @throws IllegalArgumentException when {@code desired} names one type twice
     */
    public static List<Condition> merge(List<Condition> current, List<Desired> desired, long generation, Instant now) {
        requireNonNull(desired, "desired");
        requireNonNull(now, "now");
        String nowText = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        Set<String> types = new HashSet<>();
        List<Condition> merged = new ArrayList<>(desired.size());
        for (Desired wanted : desired) {
            requireNonNull(wanted, "desired condition");
            if (!types.add(wanted.type())) {
                throw new IllegalArgumentException("condition type " + wanted.type() + " is listed twice");
            }
            String since = find(current, wanted.type())
                    .filter(c -> wanted.status().equals(c.getStatus()) && c.getLastTransitionTime() != null)
                    .map(Condition::getLastTransitionTime)
                    .orElse(nowText);
            merged.add(new Condition(since, wanted.message(), generation, wanted.reason(), wanted.status(),
                    wanted.type()));
        }
        return List.copyOf(merged);
    }

    /** The first condition of {@code type} in {@code conditions} (which may be null). */
    public static Optional<Condition> find(List<Condition> conditions, String type) {
        requireNonNull(type, "type");
        if (conditions == null) {
            return Optional.empty();
        }
        return conditions.stream().filter(c -> c != null && type.equals(c.getType())).findFirst();
    }

    private static String truncate(String message) {
        if (message.length() <= MAX_MESSAGE) {
            return message;
        }
        int end = Character.isHighSurrogate(message.charAt(MAX_MESSAGE - 1)) ? MAX_MESSAGE - 1 : MAX_MESSAGE;
        return message.substring(0, end);
    }
}
