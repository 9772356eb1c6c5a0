package io.irqsim.cli;

import io.irqsim.dm.vfiouser.UnixFdSocket;
import io.irqsim.dm.vfiouser.VfioUserClient;
import io.irqsim.dm.vfiouser.VfioUserGuestDevice;
import io.irqsim.dm.vfiouser.VfioUserProtocolException;
import io.irqsim.guest.linux.PciDriver;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.hw.pci.Bdf;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code guests[].vfioUser} entries of a scenario under {@code irqsim run}: connects each
 * server before the boot (so a missing socket fails before any work), plugs each device once the
 * machine has booted, and after the scenario's traffic waits for each device's interrupts
 * (its {@code interrupts}, each within {@link #WAIT_MILLIS} of wall-clock time) with
 * {@link VfioUserGuestDevice}. The wiring lives here because guest-drivers, where the scenario
 * is read, cannot reach dm-net's client ({@code docs/architecture.md}, {@code docs/vfio-user.md}).
 */
final class RunVfioUser implements AutoCloseable {

    /** Wall-clock wait for each interrupt of a server (a server that never raises fails the run). */
    static final int WAIT_MILLIS = 10_000;

    private record Entry(String path, String guest, Scenario.VfioUserSpec spec, VfioUserClient client) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final List<VfioUserGuestDevice> plugged = new ArrayList<>();
    private final List<Entry> pluggedEntries = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private ScenarioMachine machine;

    private RunVfioUser() {
    }

    /**
     * @param scenario the loaded scenario
     * @return its connected servers (none when it has no entries)
     * @throws IOException naming the entry whose server could not be reached or negotiated with
     */
    static RunVfioUser connect(final Scenario scenario) throws IOException {
        final RunVfioUser r = new RunVfioUser();
        try {
            for (int g = 0; g < scenario.guests().size(); g++) {
                final Scenario.GuestSpec guest = scenario.guests().get(g);
                for (int i = 0; i < guest.vfioUser().size(); i++) {
                    final Scenario.VfioUserSpec spec = guest.vfioUser().get(i);
                    final String path = "guests[" + g + "].vfioUser[" + i + "]";
                    final VfioUserClient c;
                    try {
                        c = VfioUserClient.connect(Path.of(spec.socketPath()), WAIT_MILLIS);
                    } catch (final UnixFdSocket.ConnectFailed e) {
                        throw new IOException(path + ": " + e.getMessage(), e);
                    } catch (final VfioUserProtocolException e) {
                        throw new IOException(path + ": protocol error from " + spec.socketPath() + ": "
                            + e.getMessage(), e);
                    } catch (final IOException e) {
                        throw new IOException(path + ": " + spec.socketPath() + ": " + e.getMessage(), e);
                    }
                    r.entries.add(new Entry(path, guest.name(), spec, c));
                }
            }
        } catch (final IOException e) {
            r.close();
            throw e;
        }
        return r;
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** On the machine's thread, once booted: plugs every device. */
    void plug(final ScenarioMachine m) {
        machine = m;
        for (final Entry e : entries) {
            try {
                plugged.add(VfioUserGuestDevice.plug(m, e.guest(), e.client(), e.spec().socketPath(),
                    e.spec().virtualSlot()));
                pluggedEntries.add(e);
            } catch (final IOException ex) {
                failures.add(e.path() + ": cannot plug " + e.spec().socketPath() + ": " + ex.getMessage());
            }
        }
    }

    /** On the machine's thread, after the traffic: waits for each device's interrupts. */
    void deliver(final ScenarioMachine m) {
        for (int i = 0; i < plugged.size(); i++) {
            try {
                plugged.get(i).deliver(pluggedEntries.get(i).spec().interrupts(), WAIT_MILLIS);
            } catch (final IOException ex) {
                failures.add(pluggedEntries.get(i).path() + ": " + ex.getMessage());
            }
        }
    }

    /**
     * One line per plugged device: its IDs, where, INTx asserted and EOId, what the guest's driver handled.
     *
     * @param out where
     */
    void report(final PrintWriter out) {
        for (int i = 0; i < plugged.size(); i++) {
            final VfioUserGuestDevice d = plugged.get(i);
            final Entry e = pluggedEntries.get(i);
            final Bdf bdf = new Bdf(0, e.spec().virtualSlot(), 0);
            final PciDriver drv = machine.guest(e.guest()).boundDriver(bdf);
            out.printf("vfio-user %04x:%04x from unix:%s in %s at %s (guest GSI %d): INTx asserted %d time(s), %d EOI'd"
                    + " by the guest, %s%n", d.function().vendorId(), d.function().deviceId(), e.spec().socketPath(),
                e.guest(), bdf, d.gsi(), d.asserts(), d.eois(),
                drv == null ? "no driver bound" : drv.handled() + " handled by its driver");
            final long[] dma = d.dmaCounts();
            if (d.dmaRam() != null) {
                out.printf("  DMA: %d DMA_READ(s) and %d DMA_WRITE(s) served in %s's RAM [0x%x, 0x%x), %d refused;"
                        + " %d page(s) of it written%n", dma[0], dma[1], e.guest(), d.dmaRam().base(),
                    d.dmaRam().base() + d.dmaRam().size(), dma[2], d.dmaRam().pagesAllocated());
            }
        }
    }

    /** @return why the devices failed the run, empty when they did not */
    List<String> failures() {
        return failures;
    }

    @Override
    public void close() {
        for (final VfioUserGuestDevice d : plugged) {
            d.close();
        }
        for (final Entry e : entries) {
            if (!pluggedEntries.contains(e)) {
                e.client().close();
            }
        }
    }
}
