package dev.grpcbalancer.admin;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.HttpResponseStatus;

/** What one admin route answers: status, content type and a body that fits comfortably in memory. */
record AdminResponse(HttpResponseStatus status, String contentType, String body) {

    static final String TEXT = "text/plain; charset=utf-8";
    static final String JSON = "application/json; charset=utf-8";

    AdminResponse {
        requireNonNull(status, "status");
        requireNonNull(contentType, "contentType");
        requireNonNull(body, "body");
    }

    static AdminResponse text(HttpResponseStatus status, String body) {
        return new AdminResponse(status, TEXT, body);
    }
}
