package dev.grpcbalancer;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import java.util.Iterator;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * How log lines are written: {@link #TEXT} keeps logback.xml as it is (readable lines);
 * {@link #JSON} gives every appender that writes to a stream (the console) logback's own
 * {@link JsonEncoder}, one JSON object per line, keeping logback.xml's levels.
 */
enum LogFormat {
    TEXT,
    JSON;

    /** Environment variable that sets the format when the command line does not. */
    static final String ENV = "GRPC_BALANCER_LOG_FORMAT";

    /** Switches logging to this format; call it before the first line is logged. */
    void apply() {
        if (this == TEXT) {
            return;
        }
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (!(factory instanceof LoggerContext context)) {
            System.err.println("grpc-balancer: --log-format json needs logback, found " + factory.getClass().getName());
            return;
        }
        for (Logger logger : context.getLoggerList()) {
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                if (it.next() instanceof OutputStreamAppender<ILoggingEvent> appender) {
                    appender.stop();
                    appender.setEncoder(jsonEncoder(context));
                    appender.start();
                }
            }
        }
    }

    /**
     * Fields: timestamp (epoch ms), level, threadName, loggerName, mdc, kvpList, formattedMessage
     * and throwable when there is one; the raw message pattern, its arguments and logback's
     * context are left out as noise.
     */
    private static JsonEncoder jsonEncoder(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.setWithFormattedMessage(true);
        encoder.start();
        return encoder;
    }
}
