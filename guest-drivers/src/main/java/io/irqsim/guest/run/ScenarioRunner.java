package io.irqsim.guest.run;

import io.irqsim.guest.GuestEvent;
import io.irqsim.guest.Timeline;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.linux.AcpiPciIrq;
import io.irqsim.guest.linux.AcpiPciLink;
import io.irqsim.guest.linux.LinuxDom0;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.linux.NicTestDriver;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.guest.toolstack.AttachResult;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.irq.HandlerType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.PciLinkDevice;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a scenario under a strategy: builds the machine, boots Xen, dom0 (with pciback holding
 * the devices to pass through) and the guests, attaches the devices, drives the interrupt
 * traffic, and measures what each layer did.
 *
 * <p>Devices: every PCI endpoint with an interrupt pin gets the {@link NicTestDevice} model behind
 * a 4 KiB BAR0, assigned by "firmware" at {@link #BAR_BASE} + 64 KiB per device
 * ({@link io.irqsim.hw.platform.MmioLayout}).
 *
 * <p>The dom0 flavour is the strategy's (a PV dom0 for {@code pv-dom0}, PVH otherwise); the
 * scenario's {@code dom0.type} only picks the strategy when none is given.
 */
public final class ScenarioRunner {

    /** Physical address of the first device BAR. */
    public static final long BAR_BASE = io.irqsim.hw.platform.MmioLayout.BAR_WINDOW_BASE;
    /** Virtual time the run goes on after the traffic, so timers (guest-EOI timeouts) fire. */
    public static final long SETTLE_NS = 2_000_000L;

    private ScenarioRunner() {
    }

    /**
     * Runs with an in-memory trace.
     *
     * @param scenario the scenario
     * @param strategy the design
     * @return the result
     */
    public static RunResult run(final Scenario scenario, final Strategy strategy) {
        return run(scenario, strategy, clock -> TraceRecorder.inMemory(clock, 1 << 16));
    }

    /**
     * Runs with a trace recorder of the caller's choosing (e.g. a memory-mapped file).
     *
     * @param scenario the scenario
     * @param strategy the design
     * @param traceFactory makes the recorder for the run's clock
     * @return the result
     */
    public static RunResult run(final Scenario scenario, final Strategy strategy,
                                final Function<VirtualClock, TraceRecorder> traceFactory) {
        return run(scenario, strategy, traceFactory, m -> { });
    }

    /**
     * Runs with a trace recorder of the caller's choosing and a look at the machine once it has
     * booted, before the traffic (to arm a timer on its clock, say, or keep it to inspect its
     * state after the run).
     *
     * @param scenario the scenario
     * @param strategy the design
     * @param traceFactory makes the recorder for the run's clock
     * @param onBoot called once with the booted machine
     * @return the result
     */
    public static RunResult run(final Scenario scenario, final Strategy strategy,
                                final Function<VirtualClock, TraceRecorder> traceFactory,
                                final Consumer<ScenarioMachine> onBoot) {
        return run(scenario, strategy, traceFactory, onBoot, m -> { });
    }

    /**
     * As {@link #run(Scenario, Strategy, Function, Consumer)}, with {@code afterTraffic} called on
     * the machine's thread once the scenario's traffic has run and before the run settles: where a
     * caller drives devices this module cannot reach (the vfio-user devices of
     * {@code guests[].vfioUser}, plugged by the cli with dm-net's client; {@code docs/vfio-user.md}).
     * Its timeline lines and trace records are the run's like any other.
     *
     * @param scenario the scenario
     * @param strategy the design under test
     * @param traceFactory makes the run's trace recorder from its clock
     * @param onBoot called once with the booted machine
     * @param afterTraffic called once after the traffic
     * @return the result
     */
    public static RunResult run(final Scenario scenario, final Strategy strategy,
                                final Function<VirtualClock, TraceRecorder> traceFactory,
                                final Consumer<ScenarioMachine> onBoot, final Consumer<ScenarioMachine> afterTraffic) {
        final ScenarioMachine machine = ScenarioMachine.boot(scenario, strategy, traceFactory);
        onBoot.accept(machine);
        final VirtualClock clock = machine.clock();
        final TraceRecorder trace = machine.trace();
        final Hypervisor xen = machine.xen();
        final LinuxDom0 dom0 = machine.dom0();
        final Map<Bdf, NicTestDevice> devices = machine.devices();
        final Map<Bdf, AttachResult> attaches = machine.attaches();
        final Map<Bdf, LinuxDomU> guestOf = new LinkedHashMap<>();
        for (final Scenario.GuestSpec g : scenario.guests()) {
            for (final Scenario.PassthroughSpec pt : g.passthrough()) {
                guestOf.put(pt.device(), machine.guest(g.name()));
            }
        }

        final TimelineStream story = new TimelineStream(machine);
        driveTraffic(scenario, machine, story);
        afterTraffic.accept(machine);
        xen.advanceTime(SETTLE_NS);
        story.readNew();

        final List<DeviceOutcome> outcomes = new ArrayList<>();
        final List<String> failures = new ArrayList<>();
        for (final Map.Entry<Bdf, AttachResult> e : attaches.entrySet()) {
            final AttachResult a = e.getValue();
            final DeviceOutcome o = outcome(xen, dom0, a, guestOf.get(e.getKey()), devices.get(e.getKey()), story);
            outcomes.add(o);
            if (!a.ok()) {
                failures.add(String.format("attach of %s to %s failed at %s", o.device(), o.guest(), o.attach()));
            } else if (a.intxDisabled()) {
                failures.add(String.format("%s is in %s without INTx: %s", o.device(), o.guest(), o.attach()));
            } else if (o.delivered() < o.fired()) {
                failures.add(String.format("%s: %d of %d interrupts did not reach %s's driver", o.device(),
                    o.fired() - o.delivered(), o.fired(), o.guest()));
            }
        }
        long dom0Fired = 0;
        long dom0Handled = 0;
        for (final NicTestDriver drv : dom0.drivers()) {
            dom0Fired += devices.get(drv.bdf()) == null ? 0 : devices.get(drv.bdf()).raised();
            dom0Handled += drv.handled();
        }
        long spurious = dom0.unhandledInterrupts() + xen.guestIrqs().spuriousCount() + xen.undeliveredPirqEvents();
        for (final LinuxDomU k : new java.util.LinkedHashSet<>(guestOf.values())) {
            spurious += k.unhandledInterrupts();
        }

        final RunResult partial = new RunResult(scenario.name(), strategy.name(), outcomes, dom0Fired, dom0Handled,
            spurious, strategy.newInterface(), List.of(), List.of(), List.of(), 0, 0, 0);
        final List<RunResult.Check> checks = Expectations.check(scenario.expect(), partial);
        for (final RunResult.Check c : checks) {
            if (!c.ok()) {
                failures.add(String.format("expected %s %s, got %s", c.what(), c.expected(), c.actual()));
            }
        }
        final RunResult result = new RunResult(scenario.name(), strategy.name(), outcomes, dom0Fired, dom0Handled,
            spurious, strategy.newInterface(), story.lines(), checks, failures, machine.recordsWritten(), clock.now(),
            story.omitted());
        trace.close();
        return result;
    }

    /**
     * Round-robin over the traffic specs; tells the timeline the trace window of the first
     * interrupt, and has it read the trace as the traffic goes so the run holds a bounded part of it.
     */
    private static void driveTraffic(final Scenario scenario, final ScenarioMachine machine,
                                     final TimelineStream story) {
        final Hypervisor xen = machine.xen();
        final Map<Bdf, NicTestDevice> devices = machine.devices();
        final Timeline log = machine.timeline();
        final Deque<long[]> queue = new ArrayDeque<>();
        final List<Scenario.TrafficSpec> specs = scenario.traffic();
        for (int i = 0; i < specs.size(); i++) {
            if (specs.get(i).count() > 0 && devices.containsKey(specs.get(i).device())) {
                queue.add(new long[] {i, specs.get(i).count()});
            }
        }
        final long[] window = {-1, -1};
        if (!queue.isEmpty()) {
            log.log("irqsim", "traffic: %s", describeTraffic(specs));
        }
        while (!queue.isEmpty()) {
            final long[] q = queue.poll();
            final Scenario.TrafficSpec spec = specs.get((int) q[0]);
            final NicTestDevice dev = devices.get(spec.device());
            final boolean first = window[0] < 0;
            if (first) {
                window[0] = machine.recordsWritten();
            }
            xen.trace().setContext(0, io.irqsim.hv.trace.TraceFormat.DOMID_XEN);
            final boolean coalesced = dev.isPending();
            dev.raise();
            xen.trace().event(GuestEvent.DEVICE_RAISE, spec.device().sbdf(), coalesced ? 1 : 0, 0);
            xen.drain();
            if (first) {
                window[1] = machine.recordsWritten();
                story.window(window[0], window[1]);
                log.log("irqsim", "first interrupt from %s: %s", spec.device(),
                    dev.isPending() ? "still pending: no driver acknowledged it" : "acknowledged by its driver");
            }
            xen.advanceTime(spec.intervalNs());
            if (--q[1] > 0) {
                queue.add(q);
            }
            if (story.due()) {
                story.readNew();
            }
        }
        for (final Scenario.TrafficSpec s : specs) {
            final NicTestDevice dev = devices.get(s.device());
            if (dev != null) {
                log.log("irqsim", "%s raised %d interrupt(s), %d acknowledged by a driver, %d coalesced into one "
                    + "still pending", s.device(), dev.raised(), dev.acked(), dev.coalesced());
            }
        }
    }

    private static String describeTraffic(final List<Scenario.TrafficSpec> specs) {
        final StringBuilder sb = new StringBuilder();
        for (final Scenario.TrafficSpec s : specs) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(s.count()).append(" from ").append(s.device()).append(" every ").append(s.intervalNs()).append(" ns");
        }
        return sb.toString();
    }

    private static DeviceOutcome outcome(final Hypervisor xen, final LinuxDom0 dom0, final AttachResult a,
                                         final LinuxDomU guest, final NicTestDevice dev,
                                         final TimelineStream story) {
        final Platform platform = xen.platform();
        final PciFunction f = platform.pci().function(a.device());
        final String[] fw = firmwareView(platform, f);
        final int gsi = Integer.parseInt(fw[0]);
        String trig = "unset";
        String pol = "unset";
        boolean bound = false;
        long forcedEois = 0;
        if (gsi >= 0) {
            final IrqDesc desc = xen.irqDescs().desc(gsi);
            if (desc != null && desc.handler() != HandlerType.NONE && desc.pin() >= 0) {
                final long rte = xen.ioapicRouting().readEntry(desc.ioapic(), desc.pin());
                trig = Rte.isLevel(rte) ? "level" : "edge";
                pol = Rte.isActiveLow(rte) ? "low" : "high";
            }
            if (desc != null) {
                for (int i = 0; i < desc.nrGuests(); i++) {
                    bound |= desc.guest(i) == dom0.domain();
                }
                forcedEois = story.eoiTimeouts(desc.irq());
            }
        }
        long delivered = 0;
        if (a.guestBdf() != null) { // a failed attach can leave the device on the guest's bus
            final NicTestDriver drv = guest.driver(a.guestBdf());
            delivered = drv == null ? 0 : drv.handled();
        }
        return new DeviceOutcome(a.device(), a.domain(), a.label(), a.intxDisabled(), gsi,
            dev == null ? 0 : dev.raised(), delivered, dev == null ? 0 : dev.coalesced(), forcedEois,
            dev == null ? 0 : dev.meanLatencyNs(), dev == null ? 0 : dev.maxLatencyNs(), trig, pol, fw[1], fw[2], bound);
    }

    /**
     * What ACPI says about a device's interrupt, without running Linux's link allocation (no
     * {@code _SRS}): the GSI, trigger and polarity.
     */
    private static String[] firmwareView(final Platform platform, final PciFunction f) {
        final AcpiTables fw = platform.firmware();
        final AcpiPciIrq acpi = new AcpiPciIrq(platform.pci(), fw, new AcpiPciLink(fw, true),
            gsi -> platform.ioapicForGsi(gsi) != null);
        final AcpiPciIrq.Lookup l = f.interruptPin() == 0 ? null : acpi.lookup(f, f.interruptPin());
        if (l == null) {
            return new String[] {"-1", "unset", "unset"};
        }
        if (!l.entry().isLink()) {
            return new String[] {Integer.toString(l.entry().sourceIndex()), "level", "low"};
        }
        final PciLinkDevice link = fw.link(l.entry().source());
        final int irq = link.crs() != 0 ? link.crs() : link.prs().get(link.prs().size() - 1);
        return new String[] {Integer.toString(irq), link.trigger().label(), link.polarity().label()};
    }
}
