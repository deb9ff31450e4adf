package dev.grpcbalancer;

import dev.grpcbalancer.standalone.ConfigFile;
import dev.grpcbalancer.standalone.ConfigLoad;
import dev.grpcbalancer.standalone.ConfigProblem;
import dev.grpcbalancer.standalone.InvalidConfigException;
import dev.grpcbalancer.standalone.StandaloneSource;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code run --config FILE}: standalone mode, balancers from a watched YAML file. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the balancers of a YAML file of GrpcBalancer documents with spec.staticEndpoints."
                + " The file is watched: edits apply live, a broken edit is reported and the last good"
                + " configuration keeps serving.")
final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "YAML file with one or more GrpcBalancer documents.")
    Path config;

    @Mixin
    DataPlaneOptions options;

    @Override
    public Integer call() throws InterruptedException {
        ConfigLoad initial = ConfigFile.load(config);
        if (!initial.isValid()) {
            printProblems(initial.problems());
            return 2;
        }
        Serving serving = new Serving(options);
        try {
            serving.startAdmin();
            StandaloneSource source = new StandaloneSource(config, serving.dataPlane);
            source.start();
            serving.sourceStarted(source);
        } catch (InvalidConfigException e) {
            printProblems(e.problems()); // the file changed between the check and the start
            serving.close();
            return 2;
        } catch (RuntimeException e) {
            serving.close();
            throw e;
        }
        serving.awaitShutdown();
        return 0;
    }

    private void printProblems(List<ConfigProblem> problems) {
        System.err.println("grpc-balancer: " + config + " is not a valid configuration:");
        problems.forEach(problem -> System.err.println("  " + problem));
    }
}
