package io.irqsim.cli;

import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code irqsim strategies}: lists the designs by name. */
@Command(name = "strategies", mixinStandardHelpOptions = true,
    description = "List the designs from the xen-devel thread that 'run --strategy' and 'compare' know.")
public final class StrategiesCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        for (final Strategy s : Strategies.all()) {
            out.printf("%-24s %s%n", s.name(), s.summary());
            out.printf("%-24s   thread: %s%n", "", s.threadSays());
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
