package dev.grpcbalancer.controller.translate.gateway;

import static java.util.Objects.requireNonNull;

/**
 * Why a condition is False: a Gateway API reason and a message for users.
 */
public record Problem(String reason, String message) {

    public Problem {
        requireNonNull(reason, "reason");
        requireNonNull(message, "message");
    }
}
