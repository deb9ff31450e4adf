package dev.grpcbalancer.standalone;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration file could not be used at startup; {@link #problems()} lists every reason, and
 * the message has one line per problem, ready to print.
 */
public final class InvalidConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<ConfigProblem> problems;

    InvalidConfigException(List<ConfigProblem> problems) {
        super(render(problems));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String render(List<ConfigProblem> problems) {
        return problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in the configuration file:\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
    }
}
