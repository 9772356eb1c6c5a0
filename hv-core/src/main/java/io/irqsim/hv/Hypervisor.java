package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainHost;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.domain.PvhDom0Madt;
import io.irqsim.hv.hypercall.DmOps;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.EvtchnOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.irq.GuestIrqDispatch;
import io.irqsim.hv.irq.GuestIrqs;
import io.irqsim.hv.irq.IoApicRouting;
import io.irqsim.hv.irq.IrqDescTable;
import io.irqsim.hv.irq.PirqMapping;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.passthrough.Passthrough;
import io.irqsim.hv.passthrough.PirqDpci;
import io.irqsim.hv.policy.HwdomGsiMapper;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.sched.WorkQueue;
import io.irqsim.hv.trace.EmulatedDeviceTrace;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicModel;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.TraceSwitch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Xen-like hypervisor core: owns the physical machine's interrupt handling (IRQ descriptors,
 * IO-APIC programming, guest-bound IRQs), the domains with their emulated IO-APICs and LAPICs,
 * passthrough, and the hypercall interfaces. Everything runs on one thread; work raised by
 * hardware callbacks runs when the entry point that caused it calls {@link #drain()} (the
 * hypercall, MMIO and time entry points all do).
 */
public final class Hypervisor implements DomainHost, GuestIrqDispatch, HwdomGsiMapper {

    /** Extra pirqs a domU gets beyond the GSIs ({@code extra_domU_irqs} default). */
    public static final int EXTRA_DOMU_PIRQS = 32;

    private final Platform platform;
    private final XenConfig config;
    private final TraceRecorder trace;
    private final WorkQueue queue = new WorkQueue();
    private final IrqDescTable descs;
    private final IoApicRouting routing;
    private final PirqMapping pirqMapping;
    private final GuestIrqs guestIrqs;
    private final Passthrough passthrough;
    private final PhysdevOps physdev;
    private final DomctlOps domctl;
    private final DmOps dmop;
    private final EvtchnOps evtchn;
    private final Map<Integer, Domain> domains = new TreeMap<>();
    private final Map<Bdf, Domain> deviceOwner = new HashMap<>();
    private Domain hardwareDomain;
    private int nextDomid = 1;
    private long undeliveredPirqEvents;

    private Hypervisor(final Platform platform, final XenConfig config, final TraceRecorder trace) {
        this.platform = platform;
        this.config = config;
        this.trace = trace;
        this.descs = new IrqDescTable(platform.gsiCount());
        this.routing = new IoApicRouting(platform, descs, trace);
        this.pirqMapping = new PirqMapping(descs, trace, config.allocatePirqReturnsExisting());
        this.guestIrqs = new GuestIrqs(platform, descs, routing, pirqMapping, queue, trace, config, this);
        this.passthrough = new Passthrough(guestIrqs, queue, trace);
        this.physdev = new PhysdevOps(this);
        this.domctl = new DomctlOps(this);
        this.dmop = new DmOps(this);
        this.evtchn = new EvtchnOps(this);
        trace.setContext(0, TraceFormat.DOMID_XEN);
        routing.boot();
        drain();
    }

    /**
     * Boots Xen on a machine. The trace recorder must be the {@link io.irqsim.hw.trace.HwTrace}
     * the platform was built with, so hardware and hypervisor events land in one trace.
     *
     * @param platform the machine
     * @param config the design in force
     * @param trace the recorder
     * @return the running hypervisor, with no domains
     */
    public static Hypervisor boot(final Platform platform, final XenConfig config, final TraceRecorder trace) {
        return new Hypervisor(platform, config, trace);
    }

    /**
     * Builds a machine from a description and boots Xen on it, tracing into memory.
     *
     * @param spec the machine
     * @param config the design in force
     * @return the running hypervisor
     */
    public static Hypervisor boot(final PlatformSpec spec, final XenConfig config) {
        final VirtualClock clock = new VirtualClock();
        final TraceRecorder trace = TraceRecorder.inMemory(clock, 1 << 16);
        return boot(Platform.build(spec, clock, trace), config, trace);
    }

    // ---------------------------------------------------------------- domains

    /**
     * Creates a domain ({@code domain_create} plus the HVM/PVH platform set-up). The hardware
     * domain gets id 0, every IRQ but 0 ({@code dom0_setup_permissions}), the host's ACPI tables
     * and, if PVH, one vIO-APIC per physical IO-APIC at the same address with the same pins and GSI
     * base, and in its tables the MADT Xen crafts ({@link PvhDom0Madt}); an HVM guest gets one
     * 48-pin vIO-APIC at 0xFEC00000.
     *
     * @param cfg configuration
     * @return the domain
     * @throws IllegalStateException if a second hardware domain is requested
     */
    public Domain createDomain(final DomainConfig cfg) {
        if (cfg.hardwareDomain() && hardwareDomain != null) {
            throw new IllegalStateException("there is already a hardware domain (" + hardwareDomain + ")");
        }
        final int id = cfg.hardwareDomain() ? 0 : allocateDomid();
        final int nrPirqs = cfg.hardwareDomain() ? descs.nrIrqs() : descs.nrIrqsGsi() + EXTRA_DOMU_PIRQS;
        final int nrGsis;
        if (cfg.type() == DomainType.PV) {
            nrGsis = 0;
        } else if (cfg.hardwareDomain()) {
            nrGsis = descs.nrIrqsGsi();
        } else {
            nrGsis = IoApicRegisters.HVM_GUEST_PINS;
        }
        final Domain d = new Domain(id, cfg, this, nrPirqs, descs.nrIrqs(), nrGsis);
        if (cfg.type().isHvmType()) {
            if (cfg.hardwareDomain()) {
                final List<IoApic> phys = platform.ioapics();
                for (int i = 0; i < phys.size(); i++) {
                    final IoApic p = phys.get(i);
                    addVioapic(d, new IoApic("d" + id + "-vioapic" + i, IoApicModel.xenVioapic(p.pins()), p.id(),
                        p.gsiBase(), d.apicBus(), platform.clock(), new EmulatedDeviceTrace(trace, id)),
                        platform.ioapicAddress(i));
                }
            } else {
                addVioapic(d, new IoApic("d" + id + "-vioapic0", IoApicModel.xenVioapic(IoApicRegisters.HVM_GUEST_PINS),
                    0, 0, d.apicBus(), platform.clock(), new EmulatedDeviceTrace(trace, id)), IoApicRegisters.DEFAULT_BASE);
            }
        }
        if (cfg.hardwareDomain()) {
            d.irqCaps().permitRange(1, descs.nrIrqsGsi() - 1);
            // dom0_construct_pvh -> pvh_setup_acpi (xen/arch/x86/hvm/dom0_build.c@RELEASE-4.20.0) swaps in its
            // own MADT; a PV dom0 reads the host's tables as they are
            d.setFirmware(cfg.type() == DomainType.PVH
                ? platform.firmware().withMadt(PvhDom0Madt.craft(d, platform.firmware().madt()))
                : platform.firmware());
            hardwareDomain = d;
        }
        domains.put(id, d);
        trace.event(HvEvent.DOMAIN_CREATE, id, cfg.type().ordinal(), cfg.vcpus());
        return d;
    }

    private void addVioapic(final Domain d, final IoApic io, final long address) {
        io.setHooks(new VioapicTraps(this, d));
        d.addVioapic(io, address);
    }

    private int allocateDomid() {
        for (int i = 0; i < Domain.DOMID_FIRST_RESERVED; i++) {
            final int id = nextDomid;
            nextDomid = nextDomid + 1 >= Domain.DOMID_FIRST_RESERVED ? 1 : nextDomid + 1;
            if (!domains.containsKey(id)) {
                return id;
            }
        }
        throw new IllegalStateException("no free domain id");
    }

    /**
     * Destroys a domain and releases what it held: guest IRQ bindings, pirq mappings, IRQ
     * capabilities, assigned devices (back to the hardware domain), pending interrupt state.
     *
     * @param d the domain
     */
    public void destroyDomain(final Domain d) {
        if (domains.get(d.id()) != d) {
            return;
        }
        trace.setContext(0, TraceFormat.DOMID_XEN);
        d.setDying();
        for (final Pirq p : d.pirqs().mapped()) {
            final PirqDpci pd = p.dpci();
            for (final PirqDpci.Digl g : List.copyOf(pd.digls())) {
                passthrough.ptIrqDestroyBind(d, new BindPtIrq(p.pirq(), g.bus(), g.device(), g.intx()));
            }
            pirqMapping.unmapDomainPirq(d, p.pirq());
        }
        d.irqCaps().clear();
        for (final Bdf bdf : List.copyOf(d.assignedDevices())) {
            deviceOwner.remove(bdf);
        }
        d.assignedDevices().clear();
        for (final IoApic io : d.vioapics()) {
            io.reset();
        }
        domains.remove(d.id());
        if (d == hardwareDomain) {
            hardwareDomain = null;
        }
        trace.event(HvEvent.DOMAIN_DESTROY, d.id(), 0, 0);
        drain();
    }

    /**
     * @param id domain id
     * @return the domain, or {@code null}
     */
    public Domain domain(final int id) {
        return domains.get(id);
    }

    /**
     * Resolves a hypercall's domid argument ({@code DOMID_SELF} is the caller).
     *
     * @param caller calling domain
     * @param domid the argument
     * @return the domain, or {@code null} ({@code -ESRCH})
     */
    public Domain lookup(final Domain caller, final int domid) {
        if (domid == Domain.DOMID_SELF) {
            return caller;
        }
        final Domain d = domains.get(domid);
        return d == null || d.isDying() ? null : d;
    }

    /** @return live domains by id */
    public List<Domain> domains() {
        return new ArrayList<>(domains.values());
    }

    /** @return the hardware domain, or {@code null} */
    public Domain hardwareDomain() {
        return hardwareDomain;
    }

    // ---------------------------------------------------------------- devices

    /**
     * @param bdf a PCI device
     * @return the domain it is assigned to, or the hardware domain if it is not assigned
     */
    public Domain deviceOwner(final Bdf bdf) {
        final Domain d = deviceOwner.get(bdf);
        return d != null ? d : hardwareDomain;
    }

    /**
     * Records a device assignment (the IOMMU side is implied).
     *
     * @param bdf device
     * @param d new owner
     */
    public void assign(final Bdf bdf, final Domain d) {
        deviceOwner.put(bdf, d);
        d.assignedDevices().add(bdf);
    }

    /**
     * Returns a device to the hardware domain.
     *
     * @param bdf device
     * @param d current owner
     */
    public void deassign(final Bdf bdf, final Domain d) {
        deviceOwner.remove(bdf);
        d.assignedDevices().remove(bdf);
    }

    // ---------------------------------------------------------------- hardware-domain GSI mapping

    @Override
    public int mapGsi(final Domain hwdom, final int gsi, final boolean level, final boolean activeLow) {
        return hwdomMap(hwdom, gsi, level, activeLow, true);
    }

    @Override
    public int registerAndBind(final Domain hwdom, final int gsi, final boolean level, final boolean activeLow) {
        return hwdomMap(hwdom, gsi, level, activeLow, false);
    }

    @Override
    public int mapPirq(final Domain hwdom, final int gsi) {
        return pirqMapping.allocateAndMapGsiPirq(hwdom, hwdom, gsi, gsi);
    }

    /** {@code xen/arch/x86/hvm/vioapic.c:vioapic_hwdom_map_gsi@RELEASE-4.18.0/4.20.0}: mp_register_gsi (-EEXIST is 0), allocate_and_map_gsi_pirq, pt_irq_create_bind, unmap on bind failure. */
    private int hwdomMap(final Domain hwdom, final int gsi, final boolean level, final boolean activeLow,
                         final boolean mapPirqStep) {
        int rc = routing.mpRegisterGsi(gsi, level, activeLow);
        if (rc == -Errno.EEXIST) {
            rc = 0; // already set up: nothing more is done, not even binding it to dom0
        } else if (rc == 0) {
            if (mapPirqStep) {
                final int pirq = mapPirq(hwdom, gsi);
                rc = pirq < 0 ? pirq : 0;
            }
            if (rc == 0) {
                rc = passthrough.ptIrqCreateBind(hwdom, new BindPtIrq(gsi, 0, 0, 0));
                if (rc != 0) {
                    pirqMapping.unmapDomainPirq(hwdom, gsi);
                }
            }
        }
        trace.event(HvEvent.HWDOM_MAP_GSI, gsi, (level ? 2 : 0) | (activeLow ? 1 : 0), rc);
        return rc;
    }

    // ---------------------------------------------------------------- guest IRQ dispatch

    @Override
    public void dispatch(final Domain d, final Pirq pirq) {
        if (d.type().isHvmType() && passthrough.hvmDoIrqDpci(d, pirq)) {
            return;
        }
        // send_guest_pirq
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.EVTCHN_PIRQ, pirq.pirq(), pirq.irq(), pirq.isEvtchnBound() ? 1 : 0);
        }
        if (pirq.isEvtchnBound()) {
            d.sendPirqEvent(pirq.pirq());
        } else {
            undeliveredPirqEvents++;
        }
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs all pending work (interrupts to take, softirqs, injections) until nothing is left.
     *
     * @return items run
     */
    public long drain() {
        return queue.drain();
    }

    /**
     * Moves virtual time forward, firing timers (guest-EOI timeouts, {@code irq_ratelimit} re-enables) and
     * running the work they cause.
     *
     * @param ns nanoseconds, at least 0; a step past {@link Long#MAX_VALUE} ns of virtual time
     *     stops there (a scenario's huge interval cannot wrap the clock round or spin)
     * @throws IllegalArgumentException if {@code ns} is negative
     */
    public void advanceTime(final long ns) {
        if (ns < 0) {
            throw new IllegalArgumentException("time cannot go back (" + ns + " ns)");
        }
        trace.setContext(0, TraceFormat.DOMID_XEN);
        final VirtualClock clock = platform.clock();
        final long now = clock.now();
        final long target = ns > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + ns;
        // armedTimers, not nextDeadline alone: with no timer armed nextDeadline is Long.MAX_VALUE,
        // which a target of Long.MAX_VALUE would otherwise reach forever
        while (clock.armedTimers() > 0 && clock.nextDeadline() <= target) {
            clock.advanceTo(clock.nextDeadline());
            drain();
        }
        clock.advanceTo(target);
        drain();
    }

    // ---------------------------------------------------------------- accessors

    /** @return the machine */
    public Platform platform() {
        return platform;
    }

    /** @return the design in force */
    public XenConfig config() {
        return config;
    }

    @Override
    public TraceRecorder trace() {
        return trace;
    }

    @Override
    public WorkQueue queue() {
        return queue;
    }

    @Override
    public int physicalCpus() {
        return platform.cpuCount();
    }

    /** @return IRQ descriptors */
    public IrqDescTable irqDescs() {
        return descs;
    }

    /** @return physical IO-APIC programming ({@code mp_register_gsi} and friends) */
    public IoApicRouting ioapicRouting() {
        return routing;
    }

    /** @return pirq mapping and permission checks */
    public PirqMapping pirqMapping() {
        return pirqMapping;
    }

    /** @return guest-bound physical IRQs */
    public GuestIrqs guestIrqs() {
        return guestIrqs;
    }

    /** @return passthrough */
    public Passthrough passthrough() {
        return passthrough;
    }

    /** @return {@code HYPERVISOR_physdev_op} */
    public PhysdevOps physdev() {
        return physdev;
    }

    /** @return {@code HYPERVISOR_domctl} */
    public DomctlOps domctl() {
        return domctl;
    }

    /** @return {@code HYPERVISOR_dm_op} */
    public DmOps dmop() {
        return dmop;
    }

    /** @return {@code HYPERVISOR_event_channel_op} (the pirq part) */
    public EvtchnOps evtchn() {
        return evtchn;
    }

    /** @return pirq events for PV guests that had no event channel bound */
    public long undeliveredPirqEvents() {
        return undeliveredPirqEvents;
    }
}
