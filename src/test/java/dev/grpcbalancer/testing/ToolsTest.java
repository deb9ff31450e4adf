package dev.grpcbalancer.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ToolsTest {

    @Test
    void toolsFolderFollowsHomeLikeTheInstallScriptNotJavasUserHome() {
        assertThat(Tools.folder(Map.of("HOME", "/runner/home"), "/etc/passwd-home"))
                .isEqualTo(Path.of("/runner/home/.cache/grpc-balancer/tools"));
    }

    @Test
    void explicitToolsFolderWins() {
        assertThat(Tools.folder(Map.of("HOME", "/runner/home", "GRPC_BALANCER_TOOLS", "/opt/tools"), "/root"))
                .isEqualTo(Path.of("/opt/tools"));
    }

    @Test
    void userHomeOnlyWhenHomeIsUnset() {
        assertThat(Tools.folder(Map.of(), "/home/dev")).isEqualTo(Path.of("/home/dev/.cache/grpc-balancer/tools"));
        assertThat(Tools.folder(Map.of("HOME", "", "GRPC_BALANCER_TOOLS", ""), "/home/dev"))
                .isEqualTo(Path.of("/home/dev/.cache/grpc-balancer/tools"));
    }
}
