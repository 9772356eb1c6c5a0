package io.irqsim.cli;

import io.irqsim.dm.net.server.DmServer;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.net.server.DmService;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.guest.toolstack.AttachResult;
import io.irqsim.hv.trace.TraceRecorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code irqsim serve}: boots a scenario and lets device models attach to its guests over the
 * network (the dm-net protocol, {@code docs/protocol.md}), as QEMU attaches to a Xen guest.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Boot a scenario (dom0, the toolstack, its HVM guests; no traffic) and serve the device-model protocol"
            + " (docs/protocol.md) until Ctrl-C.",
        "",
        "A device model connects, attaches to a guest (getting the rights of a device-model domain for it,"
            + " nothing more), claims MMIO ranges or presents PCI functions the guest hot-plugs, answers the"
            + " guest's accesses there, and raises INTx / ISA IRQ levels and MSIs. Try it with"
            + " 'irqsim devmodel --connect ADDRESS', the example NIC-like model.",
        "",
        "One thread owns the machine and serves every connection. There is no authentication: a TCP address"
            + " without a host binds the loopback interface, a Unix socket is created mode 0600.",
        "",
        "Commands on standard input, answered on standard output: 'state' (the interrupt state, as 'irqsim run"
            + " --dump-state'), 'timeline' (trace records since the last 'timeline'; needs --trace), 'help'."},
    footer = {"",
        "Examples:",
        "  irqsim serve --listen tcp::5940",
        "  irqsim serve scenarios/bridge.yaml --listen unix:/tmp/irqsim-dm.sock --listen tcp:127.0.0.1:5940",
        "  irqsim serve --strategy pciback-setup-gsi --listen tcp::5940   (the NIC passed through, for BIND_PT_IRQ)",
        "  irqsim serve --listen tcp::5940 --trace serve.trace            (then type 'timeline' or 'state')",
        "",
        "Exit status: 0 when stopped, 1 if an address cannot be bound, 2 on a usage or scenario-file error."})
public final class ServeCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private ScenarioInput input;

    @Option(names = {"-s", "--strategy"}, paramLabel = "NAME",
        description = "Design to boot under (default: the scenario's, else status-quo). See 'irqsim strategies'.")
    private String strategy;

    @Option(names = "--listen", paramLabel = "ADDRESS", required = true, converter = ListenAddressConverter.class,
        description = {"Where device models connect: tcp:HOST:PORT, tcp::PORT (loopback), tcp:[::1]:PORT or unix:PATH"
            + " (Netty's native epoll transport, Linux x86_64). Repeatable. PORT 0 picks a free port; the addresses"
            + " bound are printed on stderr."})
    private List<ListenAddress> listen = new ArrayList<>();

    @Option(names = "--ioreq-timeout", paramLabel = "MS", defaultValue = "5000",
        description = "How long a model may take to answer a guest access before the access completes as unanswered"
            + " (reads all ones) and the model is treated as gone (default: ${DEFAULT-VALUE}).")
    private long ioreqTimeoutMs;

    @Option(names = "--max-devices", paramLabel = "N", defaultValue = "16",
        description = "Most devices (ranges or PCI functions) one model may register (default: ${DEFAULT-VALUE}).")
    private int maxDevices;

    @Option(names = "--trace", paramLabel = "FILE",
        description = "Record the binary trace of the boot and of everything models do into FILE (readable with"
            + " 'irqsim trace dump FILE' at any time, and with the 'timeline' command).")
    private Path trace;

    /** Where the console commands come from (standard input; tests give their own). */
    InputStream console = System.in;

    @Override
    public Integer call() {
        final Scenario scenario = input.load();
        final Strategy s = ScenarioInput.strategy(spec, scenario, strategy);
        final DmServerConfig config;
        try {
            config = DmServerConfig.DEFAULT.withIoreqTimeout(Duration.ofMillis(ioreqTimeoutMs)).withMaxDevices(maxDevices);
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        final PrintWriter err = spec.commandLine().getErr();
        final DmServer server;
        try {
            server = DmServer.start(() -> trace == null ? ScenarioMachine.boot(scenario, s)
                : ScenarioMachine.boot(scenario, s, clock -> TraceRecorder.mappedFile(trace, clock)), config, listen,
                line -> say(err, line));
        } catch (final IOException | IllegalStateException e) {
            say(err, e.getMessage());
            return Main.EXIT_FAILED;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_FAILED;
        }
        final UntilStopped guard = UntilStopped.install("irqsim-serve", server::close);
        final String guests = server.call(svc -> {
            final List<String> names = new ArrayList<>();
            for (final LinuxDomU g : svc.machine().guests()) {
                names.add(g.domain().name() + " (d" + g.domain().id() + ")");
            }
            return String.join(", ", names);
        });
        say(err, "scenario " + scenario.name() + ", strategy " + s.name() + "; guests: "
            + (guests.isEmpty() ? "none" : guests));
        for (final String failed : server.call(ServeCommand::failedAttaches)) {
            say(err, failed);
        }
        if (trace != null) {
            say(err, "recording the trace into " + trace);
        }
        for (int i = 0; i < listen.size(); i++) {
            final ListenAddress a = listen.get(i);
            if (!a.isUnix() && !a.tcpAddress().getAddress().isLoopbackAddress()) {
                say(err, "warning: " + a + " is reachable from other hosts, and the protocol has no authentication");
            }
        }
        say(err, "listening on " + String.join(", ", server.addresses()) + " (attach a model with 'irqsim devmodel"
            + " --connect ADDRESS'; Ctrl-C stops)");
        new ServeConsole(server, spec.commandLine().getOut(), trace != null).start(console);
        guard.await(server::awaitClose);
        return Main.EXIT_OK;
    }

    /**
     * @param svc the running service
     * @return one warning per passed-through device whose attach failed at boot
     */
    static List<String> failedAttaches(final DmService svc) {
        final List<String> out = new ArrayList<>();
        for (final AttachResult a : svc.machine().attaches().values()) {
            if (!a.ok()) {
                out.add("warning: pci-attach of " + a.device() + " to " + a.domain() + " failed at " + a.label()
                    + "; the guest runs without it (see 'irqsim run' for the whole story)");
            }
        }
        return out;
    }

    private static void say(final PrintWriter err, final String line) {
        synchronized (err) {
            err.println("irqsim serve: " + line);
            err.flush();
        }
    }
}
