package dev.grpcbalancer.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.SoftAssertions;

/**
 * The "restricted" Pod Security Standard (kubernetes.io/docs/concepts/security/pod-security-standards),
 * checked on a pod spec the way the admission controller checks it, plus this chart's own rule: a
 * read-only root filesystem with an emptyDir at /tmp.
 */
final class PodSecurity {

    private PodSecurity() {
    }

    static void assertRestricted(PodSpec pod, String where) {
        SoftAssertions soft = new SoftAssertions();
        PodSecurityContext podContext = Optional.ofNullable(pod.getSecurityContext()).orElseGet(PodSecurityContext::new);
        soft.assertThat(pod.getHostNetwork()).as(where + ": hostNetwork").isNotEqualTo(Boolean.TRUE);
        soft.assertThat(pod.getHostPID()).as(where + ": hostPID").isNotEqualTo(Boolean.TRUE);
        soft.assertThat(pod.getHostIPC()).as(where + ": hostIPC").isNotEqualTo(Boolean.TRUE);
        soft.assertThat((Object) podContext.getRunAsUser()).as(where + ": pod runAsUser (null or not root)").isNotEqualTo(0L);
        for (Volume volume : pod.getVolumes()) {
            soft.assertThat(volume.getHostPath()).as(where + ": hostPath volume " + volume.getName()).isNull();
        }
        List<Container> containers = new ArrayList<>(pod.getContainers());
        containers.addAll(pod.getInitContainers());
        assertThat(containers).as(where + ": containers").isNotEmpty();
        for (Container container : containers) {
            String at = where + "/" + container.getName();
            SecurityContext context = Optional.ofNullable(container.getSecurityContext()).orElseGet(SecurityContext::new);
            soft.assertThat(context.getPrivileged()).as(at + ": privileged").isNotEqualTo(Boolean.TRUE);
            soft.assertThat(context.getAllowPrivilegeEscalation()).as(at + ": allowPrivilegeEscalation").isFalse();
            soft.assertThat(Optional.ofNullable(context.getRunAsNonRoot()).orElse(podContext.getRunAsNonRoot()))
                    .as(at + ": runAsNonRoot (container or pod)").isTrue();
            soft.assertThat((Object) context.getRunAsUser()).as(at + ": runAsUser (null or not root)").isNotEqualTo(0L);
            String seccomp = Optional.ofNullable(context.getSeccompProfile())
                    .or(() -> Optional.ofNullable(podContext.getSeccompProfile()))
                    .map(p -> p.getType()).orElse(null);
            soft.assertThat(seccomp).as(at + ": seccompProfile (container or pod)").isIn("RuntimeDefault", "Localhost");
            Capabilities capabilities = Optional.ofNullable(context.getCapabilities()).orElseGet(Capabilities::new);
            soft.assertThat(capabilities.getDrop()).as(at + ": capabilities.drop").contains("ALL");
            soft.assertThat(capabilities.getAdd()).as(at + ": capabilities.add").isSubsetOf("NET_BIND_SERVICE");
            soft.assertThat(container.getPorts()).as(at + ": hostPort")
                    .allSatisfy(p -> assertThat(p.getHostPort()).isIn(null, 0));
            soft.assertThat(context.getReadOnlyRootFilesystem()).as(at + ": readOnlyRootFilesystem").isTrue();
            soft.assertThat(container.getVolumeMounts())
                    .as(at + ": a writable /tmp from an emptyDir")
                    .anySatisfy(mount -> {
                        assertThat(mount.getMountPath()).isEqualTo("/tmp");
                        assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
                        assertThat(pod.getVolumes())
                                .filteredOn(v -> v.getName().equals(mount.getName()))
                                .singleElement()
                                .satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
                    });
            soft.assertThat(container.getResources()).as(at + ": resources").isNotNull();
            if (container.getResources() != null) {
                soft.assertThat(container.getResources().getLimits()).as(at + ": memory limit").containsKey("memory");
                soft.assertThat(container.getResources().getRequests()).as(at + ": requests").containsKeys("cpu", "memory");
            }
        }
        soft.assertAll();
    }
}
