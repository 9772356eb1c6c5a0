package io.irqsim.cli;

import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.client.PciDevice;
import io.irqsim.dm.net.example.ExampleNicModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code irqsim devmodel}: the example device model, irqsim's NIC-like test device emulated
 * outside irqsim, attached to a guest of a running {@code irqsim serve}.
 */
@Command(name = "devmodel", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Run the example device model (a NIC-like test device) against 'irqsim serve'.",
        "Connects, attaches to a guest, presents the NIC-like test"
            + " device (1b36:0005, BAR0 4 KiB, INTA) at a guest PCI slot, where the guest hot-plugs it and its driver"
            + " probes it, then raise interrupts one after another; the guest's driver handles each by reading"
            + " STATUS and writing ACK through the BAR, which the model answers over the socket.",
        "",
        "Prints what it attached to, and the interrupts raised, acknowledged and EOI'd, with the rate."},
    footer = {"",
        "Examples:",
        "  irqsim serve --listen tcp::5940 &",
        "  irqsim devmodel --connect tcp:127.0.0.1:5940 --domain domU --slot 6 --interrupts 10000",
        "",
        "Exit status: 0 when every interrupt was acknowledged and EOI'd, 1 if not or if the server refused the model,"
            + " 2 on a usage error."})
public final class DevmodelCommand implements Callable<Integer> {

    /** What this command's lines on standard error start with. */
    private static final String WHO = "irqsim devmodel";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private GuestSlot at;

    @Option(names = "--interrupts", paramLabel = "N", defaultValue = "1000",
        description = "Interrupts to raise, each once the guest handled the previous one (default: ${DEFAULT-VALUE}).")
    private int interrupts;

    @Option(names = "--stay", description = "Stay attached after the interrupts, answering the guest, until Ctrl-C.")
    private boolean stay;

    @Override
    public Integer call() {
        at.validate(spec);
        if (interrupts < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interrupts cannot be negative");
        }
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        final DeviceModelClient client;
        try {
            client = DeviceModelClient.connect(at.connect, DeviceModelClient.Options.DEFAULT);
        } catch (final IOException e) {
            return StderrLine.failed(err, WHO, e.getMessage());
        }
        try {
            final ExampleNicModel model = new ExampleNicModel(client);
            final PciDevice dev = model.plug(at.domain, at.slot).get(30, TimeUnit.SECONDS);
            out.printf("attached to %s; presented 00:%02x.0 [%04x:%04x], BAR0 at 0x%x, INTA -> guest GSI %d%n", at.domain,
                at.slot, ExampleNicModel.VENDOR_ID, ExampleNicModel.DEVICE_ID, dev.barAddresses().get(0), dev.gsi());
            out.flush();
            long nanos = 0;
            if (interrupts > 0) {
                nanos = model.fireSequence(interrupts).get(Math.max(60, interrupts / 100L), TimeUnit.SECONDS);
            }
            final ExampleNicModel.Stats s = model.stats().get(10, TimeUnit.SECONDS);
            out.printf("raised %d interrupt(s): %d acknowledged by the guest's driver, %d EOI'd, %d coalesced;"
                    + " %d guest accesses answered%n", s.raised(), s.acked(), s.eois(), s.coalesced(),
                client.ioreqsAnswered());
            if (interrupts > 0) {
                out.printf("%.1f ms, %.0f interrupts/s%n", nanos / 1e6, interrupts * 1e9 / nanos);
            }
            out.flush();
            final boolean ok = s.raised() == interrupts && s.acked() == interrupts && s.eois() == interrupts
                && s.failures() == 0;
            if (stay) {
                out.println("staying attached until Ctrl-C or until the server goes away");
                out.flush();
                // Ctrl-C runs the hook, which says GOODBYE and closes, ending the wait
                UntilStopped.install("irqsim-devmodel", client::close).await(() -> client.closeFuture().join());
            }
            return ok ? Main.EXIT_OK : Main.EXIT_FAILED;
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof io.irqsim.dm.net.client.DmRemoteException r
                && r.code() == io.irqsim.dm.net.proto.ErrorCodes.SLOT_BUSY
                && !spec.commandLine().getParseResult().hasMatchedOption("--slot")) {
                // the default slot is taken in this scenario (a passed-through device sits there)
                return StderrLine.failed(err, WHO, r.getMessage() + " (the default slot; pick a free one with --slot N)");
            }
            return StderrLine.failed(err, WHO, e.getCause().getMessage());
        } catch (final TimeoutException e) {
            return StderrLine.failed(err, WHO, "the server did not answer in time");
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_OK;
        } finally {
            client.close();
        }
    }
}
