package dev.grpcbalancer.deploy;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/** Base of the tests that run helm on the chart: a {@link Helm} per test and the values files to render. */
abstract class HelmChartTest {

    Helm helm;

    /** Per test, so that each one is reported skipped, with the hint, when helm is missing. */
    @BeforeEach
    final void findHelm() {
        helm = Helm.require();
    }

    /** The default values and every ci/ values file: {@code @MethodSource("valuesFiles")}. */
    static List<String> valuesFiles() {
        return Chart.valuesFiles().toList();
    }
}
