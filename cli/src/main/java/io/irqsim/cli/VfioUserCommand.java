package io.irqsim.cli;

import io.irqsim.dm.vfiouser.UnixFdSocket;
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

/**
 * {@code irqsim vfio-user}: irqsim as a vfio-user client (the VMM role of QEMU's
 * {@code vfio-user-pci}) towards device servers such as libvfio-user's. {@code docs/vfio-user.md}.
 */
@Command(name = "vfio-user", mixinStandardHelpOptions = true,
    description = {"Talk to a vfio-user device server (libvfio-user, SPDK, ...) as its client, the role",
        "QEMU's vfio-user-pci device plays. The protocol and what is supported: docs/vfio-user.md."},
    subcommands = {VfioUserCommand.Info.class, CommandLine.HelpCommand.class},
    footer = {"", "Exit status: 0 ok, 1 the server could not be reached or broke the protocol, 2 usage error."})
public final class VfioUserCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "missing subcommand: try 'irqsim vfio-user info unix:PATH' or 'irqsim vfio-user --help'");
    }

    /** {@code irqsim vfio-user info}: connect, negotiate, and show the device as lspci -vv would. */
    @Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Connect to a vfio-user server, negotiate the protocol version (0.2) and show its device:",
            "the version and limits the server offers, the device flags, then for a PCI device what",
            "'lspci -vv' would show (IDs, class, command/status, interrupt pin, BARs with their type and",
            "size, capabilities), then every region (index, size, flags, capabilities such as sparse",
            "mmap areas) and every IRQ index (count, flags). The device is only read: config space",
            "through REGION_READ of region 7; nothing is written, no interrupt is set up.",
            "",
            "--json prints one object: version{major,minor}, vendor, device, subsystemVendor,",
            "subsystem, classCode (24-bit base<<16|sub<<8|prog-if), interruptPin (0 none, 1-4 A-D),",
            "regions[{index,size,flags}], irqs[{index,count,flags}]; numbers in decimal, flags as",
            "the VFIO bit masks (docs/vfio-user.md); the PCI fields are null for a device with no",
            "readable config space."},
        footer = {"",
            "Examples:",
            "  irqsim vfio-user info unix:/tmp/vfio-user.sock",
            "  irqsim vfio-user info unix:/tmp/vfio-user.sock --json | jq .regions",
            "",
            "Exit status: 0 ok; 1 no socket at PATH, connection refused, no reply within the timeout,",
            "an error reply, or a protocol violation (the message says which); 2 usage error."})
    public static final class Info implements Callable<Integer> {

        @CommandLine.Spec
        private CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "unix:PATH", description = "The server's Unix socket.")
        private String address;

        @Option(names = "--json", description = "Print JSON instead of text.")
        private boolean json;

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
            } catch (final UnixFdSocket.ConnectFailed e) {
                err.println("irqsim vfio-user: " + e.getMessage());
                err.flush();
                return Main.EXIT_FAILED;
            } catch (final VfioUserErrorReply e) {
                err.println("irqsim vfio-user: " + e.getMessage());
                err.flush();
                return Main.EXIT_FAILED;
            } catch (final VfioUserProtocolException e) {
                err.println("irqsim vfio-user: protocol error from " + path + ": " + e.getMessage());
                err.flush();
                return Main.EXIT_FAILED;
            } catch (final IOException e) {
                err.println("irqsim vfio-user: " + path + ": " + e.getMessage());
                err.flush();
                return Main.EXIT_FAILED;
            }
            out.print(json ? Json.write(info.json()) + "\n" : info.text(address));
            out.flush();
            return Main.EXIT_OK;
        }
    }
}
