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
        "One thread owns the machine and serves every connection; the machine's virtual time follows the wall"
            + " clock (to 1 ms while a timer is armed), so its timers fire. There is no authentication: a TCP address without a host binds"
            + " the loopback interface, a Unix socket is created mode 0600, and only a stale socket file is ever"
            + " replaced (not another server's, nor anything that is not a socket).",
        "",
        "Limits: a connection must complete its HELLO in --handshake-timeout and then send a complete frame at"
            + " least every --idle-timeout (the Java client PINGs when idle); at most --max-connections are open,"
            + " one more gets SERVER_FULL; a model may send --max-notices ERROR notices. Out of file descriptors,"
            + " the server pauses accepting for 1 s and goes on serving the connections it has.",
        "",
        "Commands on standard input, answered on standard output: 'state' (the interrupt state, as 'irqsim run"
            + " --dump-state'), 'timeline' (trace records since the last 'timeline'; needs --trace), 'help'.",
        "",
        "A scenario's vfio-user devices (guests[].vfioUser) are plugged into their guests once the machine has"
            + " booted; each interrupt their server raises is asserted as it comes and unmasked on the guest's EOI"
            + " (docs/vfio-user.md). A server that cannot be reached stops the command (exit 1)."},
    footer = {"",
        "Examples:",
        "  irqsim serve --listen tcp::5940",
        "  irqsim serve scenarios/bridge.yaml --listen unix:/tmp/irqsim-dm.sock --listen tcp:127.0.0.1:5940",
        "  irqsim serve --strategy pciback-setup-gsi --listen tcp::5940   (the NIC passed through, for BIND_PT_IRQ)",
        "  irqsim serve --listen tcp::5940 --trace serve.trace            (then type 'timeline' or 'state')",
        "",
        "Exit status: 130 when stopped by Ctrl-C (SIGINT), 143 by SIGTERM (128 + the signal, as a shell reports"
            + " it), 1 if an address cannot be bound or the server failed, 2 on a usage or scenario-file error or a --trace"
            + " FILE that cannot be written."})
public final class ServeCommand implements Callable<Integer> {

    /** What this command's lines on standard error start with. */
    private static final String WHO = "irqsim serve";

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
            + " (reads all ones) and the model is treated as gone, 1..86400000 (default: ${DEFAULT-VALUE}).")
    private long ioreqTimeoutMs;

    @Option(names = "--handshake-timeout", paramLabel = "MS", defaultValue = "10000",
        description = "How long a new connection may take to complete its HELLO, 1..86400000 (default: ${DEFAULT-VALUE}).")
    private long handshakeTimeoutMs;

    @Option(names = "--idle-timeout", paramLabel = "MS", defaultValue = "300000",
        description = "How long a session may go without sending a complete frame, 0 (no limit)..86400000"
            + " (default: ${DEFAULT-VALUE}).")
    private long idleTimeoutMs;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "256",
        description = "Most connections open at once, handshakes included; keep it below the file-descriptor limit"
            + " (ulimit -n) (default: ${DEFAULT-VALUE}).")
    private int maxConnections;

    @Option(names = "--max-notices", paramLabel = "N", defaultValue = "64",
        description = "ERROR notices a model may send in one session (each is logged) before the server ends it"
            + " (default: ${DEFAULT-VALUE}).")
    private int maxNotices;

    @Option(names = "--max-devices", paramLabel = "N", defaultValue = "16",
        description = "Most devices (ranges or PCI functions) one model may register, 1..65535 (default: ${DEFAULT-VALUE}).")
    private int maxDevices;

    @Option(names = "--trace", paramLabel = "FILE",
        description = "Record the binary trace of the boot and of everything models do into FILE (readable with"
            + " 'irqsim trace dump FILE' at any time, and with the 'timeline' command).")
    private Path trace;

    /** Where the console commands come from (standard input; tests give their own). */
    InputStream console = System.in;

    @Override
    public Integer call() {
        final Scenario scenario = input.load(spec.commandLine().getErr());
        final Strategy s = ScenarioInput.strategy(spec, scenario, strategy);
        final long maxMs = DmServerConfig.MAX_TIMEOUT.toMillis();
        inRange("--ioreq-timeout", ioreqTimeoutMs, 1, maxMs);
        inRange("--handshake-timeout", handshakeTimeoutMs, 1, maxMs);
        inRange("--idle-timeout", idleTimeoutMs, 0, maxMs);
        inRange("--max-connections", maxConnections, 1, Integer.MAX_VALUE);
        inRange("--max-notices", maxNotices, 0, Integer.MAX_VALUE);
        inRange("--max-devices", maxDevices, 1, DmServerConfig.MAX_DEVICES_LIMIT);
        final DmServerConfig config;
        try {
            config = DmServerConfig.DEFAULT.withIoreqTimeout(Duration.ofMillis(ioreqTimeoutMs)).withMaxDevices(maxDevices)
                .withLimits(DmServerConfig.Limits.DEFAULT
                    .withTimeouts(Duration.ofMillis(handshakeTimeoutMs), Duration.ofMillis(idleTimeoutMs))
                    .withMaxConnections(maxConnections).withMaxNotices(maxNotices));
        } catch (final IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        final PrintWriter err = spec.commandLine().getErr();
        for (final ListenAddress a : listen) {
            if (a.exposureWarning() != null) {
                say(err, a.exposureWarning());
            }
        }
        // guests[].vfioUser: connected before the boot, plugged on the machine's thread once it has
        // booted, their interrupts asserted as the servers raise them (docs/vfio-user.md)
        final RunVfioUser vfio;
        try {
            vfio = RunVfioUser.connect(scenario);
        } catch (final IOException e) {
            return StderrLine.failed(err, WHO, e.getMessage());
        }
        final DmServer server;
        try {
            server = DmServer.start(() -> {
                final ScenarioMachine m = trace == null ? ScenarioMachine.boot(scenario, s)
                    : ScenarioMachine.boot(scenario, s, clock -> TraceRecorder.mappedFile(trace, clock));
                vfio.plug(m);
                return m;
            }, config, listen, line -> say(err, line));
        } catch (final IllegalStateException e) {
            vfio.close();
            if (e.getCause() instanceof java.io.UncheckedIOException u) {
                // the trace file refused (a directory, a symbolic link) or not creatable: a file
                // error, as 'run --trace' reports it, not a failed boot
                return StderrLine.usage(err, WHO, u.getMessage());
            }
            return StderrLine.failed(err, WHO, e.getMessage());
        } catch (final IOException e) {
            vfio.close();
            return StderrLine.failed(err, WHO, e.getMessage());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            vfio.close();
            return Main.EXIT_FAILED;
        }
        if (!vfio.failures().isEmpty()) {
            server.close();
            vfio.close();
            for (final String f : vfio.failures()) {
                say(err, f);
            }
            return Main.EXIT_FAILED;
        }
        vfio.serveInterrupts(task -> server.submit(svc -> {
            task.run();
            return null;
        }), line -> say(err, "vfio-user: " + line));
        // the server first (its thread owns the devices), then the vfio-user clients
        final UntilStopped guard = UntilStopped.install("irqsim-serve", () -> {
            server.close();
            vfio.close();
        });
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
        for (final String plugged : vfio.plugged()) {
            say(err, plugged);
        }
        if (trace != null) {
            say(err, "recording the trace into " + trace);
        }
        say(err, "listening on " + String.join(", ", server.addresses()) + " (attach a model with 'irqsim devmodel"
            + " --connect ADDRESS'; Ctrl-C stops)");
        new ServeConsole(server, spec.commandLine().getOut(), trace != null).start(console);
        guard.await(server::awaitClose);
        // stopped by a signal, the JVM exits 128 + its number before this returns; here the server
        // ended on its own, which it only does when its event loop failed
        return server.failure() != null ? Main.EXIT_FAILED : Main.EXIT_OK;
    }

    private void inRange(final String option, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + value + " is not " + min + ".."
                + max);
        }
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
        StderrLine.say(err, WHO, line);
    }
}
