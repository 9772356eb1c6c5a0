package io.irqsim.cli;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.vfiouser.UnixFdSocket;
import io.irqsim.dm.vfiouser.VfioUserBridge;
import io.irqsim.dm.vfiouser.VfioUserClient;
import io.irqsim.dm.vfiouser.VfioUserErrorReply;
import io.irqsim.dm.vfiouser.VfioUserProtocolException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code irqsim vfio-user}: irqsim as a vfio-user client (the VMM role of QEMU's
 * {@code vfio-user-pci}) towards device servers such as libvfio-user's. {@code docs/vfio-user.md}.
 */
@Command(name = "vfio-user", mixinStandardHelpOptions = true,
    description = {"Talk to a vfio-user device server (libvfio-user, SPDK, ...) as its client, as QEMU's"
        + " vfio-user-pci does.", "The protocol and what is supported: docs/vfio-user.md."},
    subcommands = {VfioUserCommand.Info.class, VfioUserCommand.Plug.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit status: 0 ok, 1 the server could not be reached or broke the protocol, 2 usage error."})
public final class VfioUserCommand implements Runnable {

    /** What this command's lines on standard error start with. */
    private static final String WHO = "irqsim vfio-user";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "missing subcommand: try 'irqsim vfio-user info unix:PATH' or 'irqsim vfio-user --help'");
    }

    /** {@code irqsim vfio-user info}: connect, negotiate, and show the device as lspci -vv would. */
    @Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Connect to a vfio-user server and show its device, as lspci -vv would.",
            "",
            "Negotiates the protocol version (0.2) and shows the version and limits the server "
            + "offers, the device flags, then for a PCI device what 'lspci -vv' would show (IDs, class, "
            + "command/status, interrupt pin, BARs with their type and size, capabilities), then every "
            + "region (index, size, flags, capabilities such as sparse mmap areas) and every IRQ index "
            + "(count, flags). The device is only read: config space through REGION_READ of region 7; "
            + "nothing is written, no interrupt is set up.",
            "",
            "--json prints one object: version{major,minor}, vendor, device, subsystemVendor, "
            + "subsystem, classCode (24-bit base<<16|sub<<8|prog-if), interruptPin (0 none, 1-4 A-D), "
            + "regions[{index,size,flags}], irqs[{index,count,flags}]; numbers in decimal, flags as the "
            + "VFIO bit masks (docs/vfio-user.md); the PCI fields are null for a device with no "
            + "readable config space."},
        footer = {"",
            "Examples:",
            "  irqsim vfio-user info unix:/tmp/vfio-user.sock",
            "  irqsim vfio-user info unix:/tmp/vfio-user.sock --json | jq .regions",
            "",
            "Exit status: 0 ok; 1 no socket at PATH, connection refused, no reply within the timeout, "
                + "an error reply, or a protocol violation (the message says which); 2 usage error."})
    public static final class Info implements Callable<Integer> {

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "unix:PATH", description = "The server's Unix socket.")
        private String address;

        @Option(names = "--json", description = "Print JSON instead of text.")
        private boolean json;

        static final int DEFAULT_TIMEOUT_MILLIS = 5000;

        @Option(names = "--timeout", paramLabel = "MS", defaultValue = "5000",
            description = "How long to wait for each reply, in milliseconds (default: ${DEFAULT-VALUE}; 0 waits for ever).")
        private int timeoutMillis;

        @Override
        public Integer call() {
            if (!address.startsWith("unix:") || address.length() == "unix:".length()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "'" + address + "': expected unix:PATH, the server's socket (vfio-user runs over Unix sockets)");
            }
            if (timeoutMillis < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--timeout " + timeoutMillis + " is negative");
            }
            final Path path = Path.of(address.substring("unix:".length()));
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            final VfioUserInfo info;
            try (VfioUserClient c = VfioUserClient.connect(path, timeoutMillis)) {
                info = VfioUserInfo.read(c);
            } catch (final UnixFdSocket.ConnectFailed | VfioUserErrorReply e) {
                return StderrLine.failed(err, WHO, e.getMessage());
            } catch (final VfioUserProtocolException e) {
                return StderrLine.failed(err, WHO, "protocol error from " + path + ": " + e.getMessage());
            } catch (final IOException e) {
                return StderrLine.failed(err, WHO, path + ": " + e.getMessage());
            }
            out.print(json ? Json.write(info.json()) + "\n" : info.text(address));
            out.flush();
            return Main.EXIT_OK;
        }
    }

    /** {@code irqsim vfio-user plug}: the bridge between a vfio-user server and a guest of {@code irqsim serve}. */
    @Command(name = "plug", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Plug a vfio-user device into a guest of a running 'irqsim serve'.",
            "",
            "As QEMU's vfio-user-pci plugs it into its guest: the guest hot-plugs a PCI function with "
            + "the server's IDs, class, pin and memory BARs; its BAR accesses are forwarded as "
            + "REGION_READ/REGION_WRITE; the server's INTx eventfd asserts the guest's INTx (Xen's "
            + "hvm_pci_intx_assert routing), and the guest's EOI deasserts it and unmasks the server's "
            + "INTx (SET_IRQS UNMASK). Guest config-space writes, I/O BARs, MSI/MSI-X and DMA are not "
            + "forwarded (docs/vfio-user.md).",
            "",
            "Stays plugged until Ctrl-C, until the irqsim server goes away, or with --until-eois N "
            + "until the guest has EOId N interrupts of the device; in the last two cases it then prints the counts "
            + "(Ctrl-C unplugs and exits at once, 130)."},
        footer = {"",
            "Examples:",
            "  irqsim serve --listen tcp::5940 &",
            "  irqsim vfio-user plug unix:/tmp/vfio-user.sock --connect tcp:127.0.0.1:5940 --domain domU --slot 6",
            "",
            "Exit status: 0 ok; 1 either server could not be reached or refused the device, or an interrupt "
                + "could not be forwarded; 2 usage error."})
    public static final class Plug implements Callable<Integer> {

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "unix:PATH", description = "The vfio-user server's Unix socket.")
        private String address;

        @CommandLine.Mixin
        private GuestSlot at;

        @Option(names = "--until-eois", paramLabel = "N", defaultValue = "0",
            description = "Unplug once the guest has EOId N of the device's interrupts (default: stay).")
        private long untilEois;

        @Override
        public Integer call() {
            if (!address.startsWith("unix:") || address.length() == "unix:".length()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                    "'" + address + "': expected unix:PATH, the vfio-user server's socket");
            }
            at.validate(spec);
            if (untilEois < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--until-eois cannot be negative");
            }
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            final Path path = Path.of(address.substring("unix:".length()));
            VfioUserClient vfio = null;
            DeviceModelClient dm = null;
            VfioUserBridge bridge = null;
            try {
                vfio = VfioUserClient.connect(path, Info.DEFAULT_TIMEOUT_MILLIS);
                dm = DeviceModelClient.connect(at.connect, DeviceModelClient.Options.DEFAULT);
                bridge = VfioUserBridge.plug(dm, vfio, at.domain, at.slot).get(30, TimeUnit.SECONDS);
                final var f = bridge.function();
                out.printf("plugged %04x:%04x from %s into %s at 00:%02x.0, BAR0 at 0x%x, INT%s -> guest GSI %d%n",
                    f.vendorId(), f.deviceId(), path, at.domain, at.slot, bridge.pci().barAddresses().get(0),
                    f.pin() == 0 ? " none" : String.valueOf((char) ('A' + f.pin() - 1)), bridge.pci().gsi());
                out.flush();
                if (untilEois > 0) {
                    bridge.awaitEois(untilEois).get();
                } else {
                    final DeviceModelClient client = dm;
                    UntilStopped.install("irqsim-vfio-user", client::close).await(() -> client.closeFuture().join());
                }
                final long[] c = bridge.counters().get(10, TimeUnit.SECONDS);
                out.printf("INTx asserted %d time(s), %d EOI'd by the guest, %d failure(s)%n", c[0], c[1], c[2]);
                out.flush();
                return c[2] == 0 ? Main.EXIT_OK : Main.EXIT_FAILED;
            } catch (final IOException e) {
                return StderrLine.failed(err, WHO, e.getMessage());
            } catch (final ExecutionException e) {
                return StderrLine.failed(err, WHO, e.getCause().getMessage());
            } catch (final TimeoutException e) {
                return StderrLine.failed(err, WHO, "the irqsim server did not answer in time");
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.EXIT_OK;
            } finally {
                if (bridge != null) {
                    bridge.close();
                }
                if (dm != null) {
                    dm.close();
                }
                if (vfio != null) {
                    vfio.close();
                }
            }
        }
    }
}
