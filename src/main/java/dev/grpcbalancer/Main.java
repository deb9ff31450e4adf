package dev.grpcbalancer;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * grpc-balancer's command line: the composition root. Each subcommand wires the parts it needs
 * and owns their shutdown.
 */
@Command(
        name = "grpc-balancer",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "L7 load balancer for gRPC: balances every call, not every connection.",
        subcommands = {RunCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, demo");
    }

    /** The version from the jar manifest (set by the build). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"grpc-balancer " + (version != null ? version : "(development build)"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
