package dev.grpcbalancer;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.status.Status;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * The logback.xml the jar ships parses cleanly: a broken file makes logback fall back to its
 * default (everything at DEBUG, the access log on) without failing anything.
 */
class LoggingConfigTest {

    @Test
    void shippedLogbackConfigurationParsesAndKeepsTheAccessLogOff() throws Exception {
        URL config = getClass().getClassLoader().getResource("logback.xml");
        assertThat(config).isNotNull();
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);

        configurator.doConfigure(config);

        assertThat(context.getStatusManager().getCopyOfStatusList())
                .filteredOn(status -> status.getLevel() >= Status.WARN)
                .as("warnings and errors configuring logback.xml").isEmpty();
        assertThat(context.getLogger("dev.grpcbalancer.access").getEffectiveLevel()).isEqualTo(Level.OFF);
        assertThat(context.getLogger("dev.grpcbalancer.dataplane.DataPlane").getEffectiveLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("io.netty.channel").getEffectiveLevel()).isEqualTo(Level.WARN);
        context.stop();
    }
}
