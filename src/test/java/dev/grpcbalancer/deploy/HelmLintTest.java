package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code helm lint --strict} over the default values and every ci/ values file. */
class HelmLintTest extends HelmChartTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("valuesFiles")
    void chartLintsStrictlyWith(String valuesFile) {
        Helm.Result lint = lint(valuesFile);

        assertThat(lint.exitCode()).as(lint.stdout() + lint.stderr()).isZero();
        assertThat(lint.stdout()).contains("1 chart(s) linted, 0 chart(s) failed").doesNotContain("[WARNING]");
    }

    @Test
    void schemaRejectsAnUnknownLogFormat() {
        assertRejected("logFormat=xml", "logFormat");
    }

    @Test
    void schemaRejectsADrainDelayTheCliCannotRead() {
        assertRejected("drainDelay=5 seconds", "drainDelay");
    }

    @Test
    void schemaRejectsAMisspelledTopLevelKey() {
        assertRejected("replicas=3", "replicas");
    }

    @Test
    void schemaRejectsAnAdminPortOutOfRange() {
        assertRejected("adminPort=70000", "adminPort");
    }

    @Test
    void schemaRejectsAnUnknownAlertAndAnUnknownGrpcCode() {
        assertRejected("metrics.prometheusRule.alerts.GrpcBalancerDown.enabled=true", "GrpcBalancerDown");
        assertRejected("metrics.prometheusRule.errorRatio.codes={UNAVAILABLE,TIMEOUT}", "codes");
    }

    private void assertRejected(String setting, String mentioned) {
        Helm.Result lint = helm.run("lint", "--strict", Helm.CHART.toString(), "--set", setting);

        assertThat(lint.exitCode()).as("helm lint --set " + setting).isNotZero();
        assertThat(lint.stdout() + lint.stderr()).contains(mentioned);
    }

    private Helm.Result lint(String valuesFile) {
        List<String> args = new ArrayList<>(List.of("lint", "--strict", Helm.CHART.toString()));
        args.addAll(Chart.valuesArgs(valuesFile));
        return helm.run(args.toArray(String[]::new));
    }
}
