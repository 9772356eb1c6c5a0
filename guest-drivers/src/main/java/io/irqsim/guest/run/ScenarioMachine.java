package io.irqsim.guest.run;

import io.irqsim.guest.Timeline;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.linux.LinuxDom0;
import io.irqsim.guest.linux.LinuxDomU;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioException;
import io.irqsim.guest.strategy.Strategy;
import io.irqsim.guest.toolstack.AttachResult;
import io.irqsim.guest.toolstack.DeviceModel;
import io.irqsim.guest.toolstack.Libxl;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.MmioLayout;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.time.VirtualClock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A scenario's machine booted and left running, without its traffic: the platform with a
 * {@link NicTestDevice} behind every PCI endpoint that has an interrupt pin (BAR0 at
 * {@link MmioLayout#BAR_WINDOW_BASE} + 64 KiB per device, as firmware would assign them), Xen, dom0
 * with pciback holding the devices to pass through, the toolstack, and the HVM guests with their
 * devices attached. {@link ScenarioRunner} drives traffic through it; {@code irqsim serve} runs
 * it so that device models attached over the network act on the guests a scenario describes.
 *
 * <p>Not thread-safe: like every part of the machine it belongs to one thread (the server's event
 * loop when serving).
 */
public final class ScenarioMachine {

    private final Scenario scenario;
    private final Strategy strategy;
    private final VirtualClock clock;
    private final TraceRecorder trace;
    private final Hypervisor xen;
    private final Timeline timeline;
    private final LinuxDom0 dom0;
    private final Libxl libxl;
    private final Map<Bdf, NicTestDevice> devices;
    private final Map<Bdf, AttachResult> attaches = new LinkedHashMap<>();
    private final Map<String, LinuxDomU> guests = new LinkedHashMap<>();
    /** Records an in-memory trace held before {@link #dropTraceRecords} emptied it (it counts from 0 again). */
    private long droppedRecords;

    private ScenarioMachine(final Scenario scenario, final Strategy strategy,
                            final Function<VirtualClock, TraceRecorder> traceFactory) {
        this.scenario = scenario;
        this.strategy = strategy;
        this.clock = new VirtualClock();
        this.trace = traceFactory.apply(clock);
        final Platform platform;
        try {
            platform = Platform.build(scenario.platform(), clock, trace);
            this.devices = attachDevices(platform, clock);
        } catch (IllegalArgumentException e) {
            // the loader refuses every such file with its position; this is for scenarios made some other way
            throw new ScenarioException("scenario " + scenario.name(), 0, 0, "platform",
                "the machine cannot be built: " + e.getMessage(), e);
        }
        this.xen = Hypervisor.boot(platform, strategy.xen(), trace);
        this.timeline = new Timeline(clock, this::recordsWritten);
        timeline.log("irqsim", "scenario %s, strategy %s: %s", scenario.name(), strategy.name(), strategy.summary());
        final Domain d0 = xen.createDomain(DomainConfig.dom0(strategy.dom0Type(), scenario.dom0().vcpus()));
        this.dom0 = new LinuxDom0(xen, d0, timeline, strategy.pciback());
        dom0.boot(scenario.dom0().drivers());
        for (final Scenario.GuestSpec g : scenario.guests()) {
            for (final Scenario.PassthroughSpec pt : g.passthrough()) {
                dom0.pciback().seize(pt.device());
            }
        }
        this.libxl = new Libxl(xen, dom0, strategy.toolstack(), timeline);
        for (final Scenario.GuestSpec g : scenario.guests()) {
            final LinuxDomU k = g.hvmPirq() == null ? libxl.createHvmGuest(g.name(), g.vcpus())
                : libxl.createHvmGuest(g.name(), g.vcpus(), g.hvmPirq());
            guests.put(g.name(), k);
            for (final Scenario.PassthroughSpec pt : g.passthrough()) {
                attaches.put(pt.device(), libxl.pciAttach(k, pt.device(), pt.virtualSlot()));
            }
        }
    }

    /**
     * Boots a scenario under a strategy, tracing into memory.
     *
     * @param scenario the scenario (its traffic is not driven)
     * @param strategy the design
     * @return the running machine
     */
    public static ScenarioMachine boot(final Scenario scenario, final Strategy strategy) {
        return boot(scenario, strategy, clock -> TraceRecorder.inMemory(clock, 1 << 16));
    }

    /**
     * Boots a scenario under a strategy with a trace recorder of the caller's choosing.
     *
     * @param scenario the scenario (its traffic is not driven)
     * @param strategy the design
     * @param traceFactory makes the recorder for the machine's clock
     * @return the running machine
     */
    public static ScenarioMachine boot(final Scenario scenario, final Strategy strategy,
                                       final Function<VirtualClock, TraceRecorder> traceFactory) {
        return new ScenarioMachine(scenario, strategy, traceFactory);
    }

    /** A device behind BAR0 of every endpoint with an interrupt pin, at the slot {@link MmioLayout} gives it. */
    private static Map<Bdf, NicTestDevice> attachDevices(final Platform platform, final VirtualClock clock) {
        final Map<Bdf, Long> slots = new HashMap<>();
        for (final MmioLayout.Window w : MmioLayout.barSlots(platform.spec())) {
            slots.put(platform.spec().pci().get(w.index()).bdf(), w.base());
        }
        final Map<Bdf, NicTestDevice> out = new LinkedHashMap<>();
        for (final PciFunction f : platform.pci().functions()) {
            if (f.isBridge() || f.interruptPin() == 0) {
                continue;
            }
            final NicTestDevice dev = new NicTestDevice(f, clock::now);
            platform.assignBar(f, 0, slots.get(f.bdf()));
            out.put(f.bdf(), dev);
        }
        return out;
    }

    /** @return the scenario */
    public Scenario scenario() {
        return scenario;
    }

    /** @return the design in force */
    public Strategy strategy() {
        return strategy;
    }

    /** @return the virtual clock */
    public VirtualClock clock() {
        return clock;
    }

    /**
     * @return trace records written since boot, those {@link #dropTraceRecords} dropped included: the
     *     index the next record has in the whole run (what timeline lines are stamped with)
     */
    public long recordsWritten() {
        return droppedRecords + trace.recordCount();
    }

    /**
     * Empties an in-memory trace once its records have been read, so a long run holds a bounded
     * number of them; {@link #recordsWritten} goes on counting. A trace in a file keeps every
     * record (it is what the caller asked for): nothing is dropped.
     */
    void dropTraceRecords() {
        if (!trace.isMapped()) {
            droppedRecords += trace.recordCount();
            trace.clear();
        }
    }

    /** @return the trace recorder */
    public TraceRecorder trace() {
        return trace;
    }

    /** @return the hypervisor */
    public Hypervisor xen() {
        return xen;
    }

    /** @return the timeline the boot wrote */
    public Timeline timeline() {
        return timeline;
    }

    /** @return dom0's kernel */
    public LinuxDom0 dom0() {
        return dom0;
    }

    /** @return the toolstack */
    public Libxl libxl() {
        return libxl;
    }

    /** @return the simulated device behind every physical PCI endpoint with an interrupt pin */
    public Map<Bdf, NicTestDevice> devices() {
        return Collections.unmodifiableMap(devices);
    }

    /** @return how each passthrough attach ended, by physical device */
    public Map<Bdf, AttachResult> attaches() {
        return Collections.unmodifiableMap(attaches);
    }

    /** @return the HVM guests' kernels, in scenario order */
    public List<LinuxDomU> guests() {
        return new ArrayList<>(guests.values());
    }

    /**
     * @param name a guest's domain name
     * @return its kernel, or {@code null}
     */
    public LinuxDomU guest(final String name) {
        return guests.get(name);
    }

    /**
     * @param domain a domain
     * @return its kernel if it is one of the scenario's HVM guests, else {@code null}
     */
    public LinuxDomU guest(final Domain domain) {
        for (final LinuxDomU k : guests.values()) {
            if (k.domain() == domain) {
                return k;
            }
        }
        return null;
    }

    /**
     * @param domain an HVM guest
     * @return its device model (the PCI bus it sees), or {@code null} for any other domain
     */
    public DeviceModel deviceModel(final Domain domain) {
        return libxl.deviceModel(domain);
    }
}
