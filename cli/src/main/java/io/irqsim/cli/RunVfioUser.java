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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@code guests[].vfioUser} entries of a scenario for one booted machine: connects each
 * server before the boot (so a missing socket fails before any work), plugs each device once the
 * machine has booted, and then either, under {@code irqsim run} (one file or several) and
 * {@code compare}, waits after the scenario's traffic for each device's interrupts (its
 * {@code interrupts}, each within {@link #WAIT_MILLIS} of wall-clock time) with
 * {@link VfioUserGuestDevice#deliver}; or, under {@code irqsim serve}, hands each of the server's
 * interrupts to the machine's thread as it comes ({@link #serveInterrupts}); {@code bench} only
 * plugs. One instance per machine: a command that boots several ({@code compare}, a batch,
 * {@code bench --throughput}'s warm-up) connects afresh for each. The wiring lives here because
 * guest-drivers, where the scenario is read, cannot reach dm-net's client
 * ({@code docs/architecture.md}, {@code docs/vfio-user.md}).
 */
final class RunVfioUser implements AutoCloseable {

    /** Wall-clock wait for each interrupt of a server (a server that never raises fails the run). */
    static final int WAIT_MILLIS = 10_000;

    /** One entry, its client, and once plugged its device; or why it failed. */
    private static final class Entry {
        final String path;
        final String guest;
        final Scenario.VfioUserSpec spec;
        final VfioUserClient client;
        VfioUserGuestDevice device;
        long waited;
        String failure;

        Entry(final String path, final String guest, final Scenario.VfioUserSpec spec, final VfioUserClient client) {
            this.path = path;
            this.guest = guest;
            this.spec = spec;
            this.client = client;
        }
    }

    private final List<Entry> entries = new ArrayList<>();
    private ScenarioMachine machine;
    private boolean closed;

    private RunVfioUser() {
    }

    /** @return an instance with no entries, for a scenario without vfio-user devices */
    static RunVfioUser none() {
        return new RunVfioUser();
    }

    /**
     * @param scenario the loaded scenario
     * @return whether it has {@code guests[].vfioUser} entries
     */
    static boolean has(final Scenario scenario) {
        return scenario.guests().stream().anyMatch(g -> !g.vfioUser().isEmpty());
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
                e.device = VfioUserGuestDevice.plug(m, e.guest, e.client, e.spec.socketPath(), e.spec.virtualSlot(),
                    e.spec.irq());
            } catch (final IOException ex) {
                e.failure = "cannot plug " + e.spec.socketPath() + ": " + ex.getMessage();
            }
        }
    }

    /** On the machine's thread, after the traffic: waits for each device's interrupts. */
    void deliver(final ScenarioMachine m) {
        for (final Entry e : entries) {
            if (e.device == null) {
                continue;
            }
            e.waited = e.spec.interrupts();
            try {
                e.device.deliver(e.spec.interrupts(), WAIT_MILLIS);
            } catch (final IOException ex) {
                e.failure = ex.getMessage();
            }
        }
    }

    /**
     * Under {@code irqsim serve}: each plugged device's INTx is asserted on the machine's thread as
     * the server raises it, for as long as the server runs.
     *
     * @param onMachineThread runs a task on the machine's thread
     * @param log told of each failure
     */
    void serveInterrupts(final Consumer<Runnable> onMachineThread, final Consumer<String> log) {
        for (final Entry e : entries) {
            if (e.device != null) {
                e.device.serveInterrupts(onMachineThread, log);
            }
        }
    }

    /**
     * @return one line per plugged device, as its timeline line says it: {@code plugged 4952:5153
     *     from PATH into domU at 00:06.0, INTA -> guest GSI 40}
     */
    List<String> plugged() {
        final List<String> out = new ArrayList<>();
        for (final Entry e : entries) {
            if (e.device != null) {
                final int pin = e.device.function().pin();
                out.add(String.format("vfio-user: plugged %04x:%04x from %s into %s at %s, INT%s -> guest GSI %d",
                    e.device.function().vendorId(), e.device.function().deviceId(), e.spec.socketPath(), e.guest,
                    new Bdf(0, e.spec.virtualSlot(), 0), pin == 0 ? "-" : String.valueOf((char) ('A' + pin - 1)),
                    e.device.gsi()));
            }
        }
        return out;
    }

    /** @return what each entry did, for the verdict, the report and {@code --json} */
    List<VfioUserOutcome> outcomes() {
        final List<VfioUserOutcome> out = new ArrayList<>();
        for (final Entry e : entries) {
            final Bdf bdf = new Bdf(0, e.spec.virtualSlot(), 0);
            final VfioUserGuestDevice d = e.device;
            final PciDriver drv = d == null || machine == null || machine.guest(e.guest) == null ? null
                : machine.guest(e.guest).boundDriver(bdf);
            out.add(new VfioUserOutcome(e.path, "unix:" + e.spec.socketPath(), e.guest, bdf,
                d == null ? 0 : d.function().vendorId(), d == null ? 0 : d.function().deviceId(),
                d == null ? -1 : d.gsi(), d == null ? "INTx" : d.irqName(), d == null ? -1 : d.lastVector(),
                d == null ? -1 : d.lastPirq(), e.waited, d == null ? 0 : d.raised(), d == null ? 0 : d.completed(),
                drv == null ? 0 : drv.handled(), dma(d, e.guest), e.failure == null && d != null,
                e.failure != null ? e.failure : d == null ? "not plugged (the machine did not boot)" : null));
        }
        return out;
    }

    /** @return what the device's DMA did, or {@code null} when it has none */
    private static String dma(final VfioUserGuestDevice d, final String guest) {
        if (d == null || d.dmaRam() == null) {
            return null;
        }
        final long[] n = d.dmaCounts();
        return String.format("%d DMA_READ(s) and %d DMA_WRITE(s) served in %s's RAM [0x%x, 0x%x), %d refused; %d"
            + " page(s) of it written", n[0], n[1], guest, d.dmaRam().base(), d.dmaRam().base() + d.dmaRam().size(), n[2],
            d.dmaRam().pagesAllocated());
    }

    /** @return why the devices failed the run, empty when they did not */
    List<String> failures() {
        final List<String> out = new ArrayList<>();
        for (final Entry e : entries) {
            if (e.failure != null) {
                out.add(e.path + ": " + e.failure);
            }
        }
        return out;
    }

    /** Closes every device and client, once (a shutdown hook and the command may both call it). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (final Entry e : entries) {
            if (e.device != null) {
                e.device.close();
            } else {
                e.client.close();
            }
        }
    }
}
