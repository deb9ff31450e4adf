package io.netty.channel.embedded;

/**
 * What the test world needs to know of an {@link EmbeddedChannel}'s event loop and Netty keeps
 * package-private: whether tasks are queued. In this package for that reason only (test scope).
 */
public final class EmbeddedLoops {

    private EmbeddedLoops() {
    }

    /** Whether tasks submitted with {@code execute} wait on {@code channel}'s loop. */
    public static boolean hasQueuedTasks(EmbeddedChannel channel) {
        return ((EmbeddedEventLoop) channel.eventLoop()).hasPendingNormalTasks();
    }
}
