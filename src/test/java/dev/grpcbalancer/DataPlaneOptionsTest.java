package dev.grpcbalancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.grpcbalancer.dataplane.tls.TlsProvider;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The data plane options of the run and controller commands. */
class DataPlaneOptionsTest {

    @Test
    void tlsProviderIsAutoByDefaultAndTakesOpensslOrJdkInAnyCase() {
        assertThat(parse().settings().tlsProvider()).isEqualTo(TlsProvider.AUTO);
        assertThat(parse("--tls-provider", "JDK").settings().tlsProvider()).isEqualTo(TlsProvider.JDK);
        assertThat(parse("--tls-provider=openssl").settings().tlsProvider()).isEqualTo(TlsProvider.OPENSSL);
        assertThatThrownBy(() -> parse("--tls-provider", "boringssl"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("expected auto, openssl or jdk, got 'boringssl'");
    }

    private static DataPlaneOptions parse(String... args) {
        RunCommand run = new RunCommand();
        String[] full = new String[args.length + 2];
        full[0] = "--config";
        full[1] = "balancers.yaml";
        System.arraycopy(args, 0, full, 2, args.length);
        new CommandLine(run).parseArgs(full);
        return run.options;
    }
}
