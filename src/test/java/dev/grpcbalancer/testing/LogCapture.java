package dev.grpcbalancer.testing;

import static java.util.Objects.requireNonNull;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Records what one logger logs (logback), so a test can wait for the line that says something
 * happened in the background instead of guessing when it did:
 *
 * <pre>{@code
 * try (LogCapture logs = LogCapture.of(StandaloneSource.class)) {
 *     ... write a broken file ...
 *     logs.awaitLine(Level.ERROR, "rejected", Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger logger;
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private Level previousLevel;
    private boolean levelChanged;

    private LogCapture(Logger logger) {
        this.logger = logger;
    }

    /** Starts recording the logger {@code name} at {@code level} (restored by {@link #close}). */
    public static LogCapture of(String name, Level level) {
        LogCapture capture = new LogCapture((Logger) LoggerFactory.getLogger(requireNonNull(name, "name")));
        capture.previousLevel = capture.logger.getLevel();
        capture.levelChanged = true;
        capture.logger.setLevel(level);
        capture.start();
        capture.logger.addAppender(capture);
        return capture;
    }

    /** Starts recording the logger named after {@code owner}. */
    public static LogCapture of(Class<?> owner) {
        LogCapture capture = new LogCapture((Logger) LoggerFactory.getLogger(requireNonNull(owner, "owner")));
        capture.start();
        capture.logger.addAppender(capture);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent event) {
        events.add(event);
    }

    /** The formatted messages logged at {@code level} so far. */
    public List<String> lines(Level level) {
        return events.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Waits for a message at {@code level} containing {@code text}, and returns it. */
    public String awaitLine(Level level, String text, Duration timeout) {
        Await.until(timeout, () -> lines(level).stream().anyMatch(line -> line.contains(text)),
                () -> "a " + level + " line containing '" + text + "'; logged: " + lines(level));
        return lines(level).stream().filter(line -> line.contains(text)).findFirst().orElseThrow();
    }

    /** Stops recording. */
    @Override
    public void close() {
        logger.detachAppender(this);
        if (levelChanged) {
            logger.setLevel(previousLevel);
        }
        stop();
    }
}
