package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code helm install} tells the user (NOTES.txt, through a client-side dry run that needs no
 * cluster) and which Kubernetes versions it accepts.
 */
class HelmInstallNotesTest extends HelmChartTest {

    @Test
    void notesSayHowToApplyABalancerReadItsStatusAndFindMetrics() {
        String notes = notes();

        assertThat(notes)
                .contains("kind: GrpcBalancer", "namespace: " + Chart.NAMESPACE)
                .contains("kubectl -n " + Chart.NAMESPACE + " get gbal")
                .contains("gbal-" + Chart.NAMESPACE + "-greeter." + Chart.NAMESPACE + ".svc:8080")
                .contains("svc/gb-grpc-balancer-admin 9901", "/metrics")
                .contains("helm test " + Chart.RELEASE + " -n " + Chart.NAMESPACE)
                .doesNotContain("WARNING");
    }

    @Test
    void notesPutTheExampleInTheFirstWatchedNamespace() {
        String notes = notes("--set", "watchNamespaces={shop,payments}");

        assertThat(notes).contains("namespace(s): shop, payments", "namespace: shop", "kubectl -n shop get gbal",
                "gbal-shop-greeter." + Chart.NAMESPACE + ".svc:8080");
    }

    @Test
    void notesWarnWhenAServiceMonitorWasAskedForButTheApiIsMissing() {
        assertThat(notes("--set", "metrics.serviceMonitor.enabled=true"))
                .contains("WARNING: metrics.serviceMonitor.enabled is true but this cluster has no");
    }

    @Test
    void notesWarnWhenAlertsWereAskedForButTheApiIsMissingAndNameTheDashboard() {
        assertThat(notes("--set", "metrics.prometheusRule.enabled=true", "--set", "metrics.grafanaDashboard.enabled=true"))
                .contains("WARNING: metrics.prometheusRule.enabled is true but this cluster has no",
                        "ConfigMap " + Chart.NAMESPACE + "/gb-grpc-balancer-dashboard");
    }

    @Test
    void notesTellWhatToGrantWithoutRbac() {
        assertThat(notes("--set", "rbac.create=false")).contains("RBAC was not created", "docs/helm.md");
    }

    @Test
    void chartRefusesKubernetesOlderThan127AndAcceptsDistributionBuilds() {
        Helm.Result old = helm.run("template", Chart.RELEASE, Helm.CHART.toString(), "--kube-version", "1.26.9");
        Helm.Result k3s = helm.run("template", Chart.RELEASE, Helm.CHART.toString(), "--kube-version", "v1.27.3+k3s1");

        assertThat(old.exitCode()).isNotZero();
        assertThat(old.stderr()).contains("kubeVersion");
        assertThat(k3s.exitCode()).as(k3s.stderr()).isZero();
    }

    private String notes(String... extra) {
        List<String> args = new ArrayList<>(List.of("install", Chart.RELEASE, Helm.CHART.toString(),
                "--namespace", Chart.NAMESPACE, "--dry-run=client"));
        args.addAll(List.of(extra));
        String out = helm.run(args.toArray(String[]::new)).orFail();
        int start = out.indexOf("NOTES:");
        assertThat(start).as("NOTES in:\n" + out).isNotNegative();
        return out.substring(start);
    }
}
