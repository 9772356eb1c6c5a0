package io.irqsim.hv.domain;

import io.irqsim.hv.sched.ScheduleOnPending;
import io.irqsim.hv.mem.GuestRam;
import io.irqsim.hv.passthrough.HvmIrqDpci;
import io.irqsim.hv.trace.EmulatedDeviceTrace;
import io.irqsim.hw.apic.ApicBus;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicModel;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Xen domain: its type and privileges, vCPUs, emulated interrupt controllers (HVM-type
 * domains: vIO-APICs and one vLAPIC per vCPU, on a domain-private {@link ApicBus}), its
 * guest-physical MMIO view, its pirq space and IRQ capabilities, its passthrough state.
 *
 * <p>Created and destroyed by the hypervisor; the guest kernel attaches with {@link #setKernel}.
 */
public final class Domain {

    /** {@code DOMID_SELF}: "the calling domain" in hypercall arguments. */
    public static final int DOMID_SELF = 0x7FF0;
    /** First reserved domain id ({@code DOMID_FIRST_RESERVED}). */
    public static final int DOMID_FIRST_RESERVED = 0x7FF0;

    private final int id;
    private final DomainConfig config;
    private final DomainHost host;
    private final List<Vcpu> vcpus = new ArrayList<>();
    private final List<IoApic> vioapics = new ArrayList<>();
    /** Xen's {@code pirq_eoi_map} for this domain, by pirq (see {@link #pirqNeedsEoi}). */
    private final java.util.BitSet pirqEoiMap = new java.util.BitSet();
    /** The vIO-APIC of each guest GSI (null where none has a pin), rebuilt when one is added. */
    private IoApic[] vioapicByGsi = new IoApic[0];
    private final List<Long> vioapicAddresses = new ArrayList<>();
    private final ApicBus apicBus;
    private final IrqCaps irqCaps = new IrqCaps();
    private final PirqTable pirqs;
    private final HvmIrq hvmIrq;
    private final Set<Bdf> assignedDevices = new TreeSet<>();
    private HvmIrqDpci dpci;
    private Domain deviceModelFor;
    private GuestKernel kernel;
    private AcpiTables firmware;
    private boolean iommu;
    private boolean dying;
    private GsiEoiListener[] gsiEoiListeners = new GsiEoiListener[0];
    private final PortIo ports;
    private GuestRam ram;

    /**
     * Created by the hypervisor.
     *
     * @param id domain id
     * @param config configuration
     * @param host the hypervisor
     * @param nrPirqs size of the pirq space
     * @param nrIrqs number of Xen IRQs
     * @param nrGsis GSIs of its emulated IO-APIC(s), 0 for PV
     */
    public Domain(final int id, final DomainConfig config, final DomainHost host, final int nrPirqs,
                  final int nrIrqs, final int nrGsis) {
        this.id = id;
        this.config = config;
        this.host = host;
        this.pirqs = new PirqTable(this, nrPirqs, nrIrqs);
        final EmulatedDeviceTrace emulated = new EmulatedDeviceTrace(host.trace(), id);
        this.apicBus = config.type().isHvmType() ? new ApicBus(emulated) : null;
        if (apicBus != null) {
            // vlapic_lowest_prio (xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0): round_robin_prev_vcpu
            // is 0 at creation, so the first lowest-priority walk starts at vCPU 1
            apicBus.startLowestPriorityAfter(0);
        }
        this.hvmIrq = config.type().isHvmType() ? new HvmIrq(this, nrGsis) : null;
        this.iommu = config.passthrough();
        this.ports = new PortIo(host.trace());
        for (int v = 0; v < config.vcpus(); v++) {
            LocalApic vlapic = null;
            final MmioBus bus = new MmioBus(host.trace());
            if (apicBus != null) {
                // hvmloader / Xen's PVH MADT give vCPU n the APIC id 2n
                vlapic = new LocalApic(v, 2 * v, false, emulated, LocalApicModel.XEN_VLAPIC);
                apicBus.attach(vlapic);
                bus.map(LocalApicRegisters.DEFAULT_BASE, LocalApicRegisters.PAGE_SIZE, new TrappedMmio(this, LocalApicRegisters.DEFAULT_BASE, vlapic));
            }
            final Vcpu vcpu = new Vcpu(this, v, vlapic, bus);
            if (vlapic != null) {
                vlapic.setInterruptListener(new ScheduleOnPending(host.queue(), vcpu));
            }
            vcpus.add(vcpu);
        }
    }

    /**
     * Adds an emulated IO-APIC and maps it, trapped, at {@code address} in every vCPU's view.
     *
     * @param vioapic the register model, with logical inputs ({@code IoApicModel.xenVioapic})
     * @param address guest-physical base
     * @throws IllegalArgumentException for a model whose pins read electrical levels
     */
    public void addVioapic(final IoApic vioapic, final long address) {
        if (vioapic.model().electricalInputs()) {
            // HvmIrq drives vIO-APIC inputs as logical levels (gsi_assert_count), as Xen's does
            throw new IllegalArgumentException(vioapic.name() + ": a vIO-APIC takes logical inputs (IoApicModel.xenVioapic)");
        }
        vioapics.add(vioapic);
        vioapicByGsi = IoApic.byGsi(vioapics);
        vioapicAddresses.add(address);
        apicBus.addEoiListener(vioapic);
        mapEmulated(address, io.irqsim.hw.ioapic.IoApicRegisters.WINDOW_SIZE, vioapic);
    }

    /**
     * Maps an emulated device (accesses trap and are traced) into every vCPU's view.
     *
     * @param base guest-physical base
     * @param length window length
     * @param device the device
     */
    public void mapEmulated(final long base, final long length, final MmioDevice device) {
        final TrappedMmio trapped = new TrappedMmio(this, base, device);
        for (final Vcpu v : vcpus) {
            v.bus().map(base, length, trapped);
        }
    }

    /**
     * Maps a device directly (a passed-through BAR: no trap) into every vCPU's view.
     *
     * @param base guest-physical base
     * @param length window length
     * @param device the device
     */
    public void mapDirect(final long base, final long length, final MmioDevice device) {
        for (final Vcpu v : vcpus) {
            v.bus().map(base, length, device);
        }
    }

    /**
     * Removes a mapping from every vCPU's view.
     *
     * @param base base address of the mapping
     */
    public void unmap(final long base) {
        for (final Vcpu v : vcpus) {
            v.bus().unmap(base);
        }
    }

    /** @return its I/O-port space (HVM guests' {@code in}/{@code out}, {@link Vcpu#portRead}) */
    public PortIo ports() {
        return ports;
    }

    /**
     * @return the window of its RAM devices may DMA into ({@link GuestRam#DEFAULT_BASE}, 16 MiB),
     *     created on first use
     */
    public GuestRam ram() {
        if (ram == null) {
            ram = new GuestRam(GuestRam.DEFAULT_BASE, GuestRam.DEFAULT_SIZE);
        }
        return ram;
    }

    /** @return the domain id */
    public int id() {
        return id;
    }

    /** @return the name */
    public String name() {
        return config.name();
    }

    /** @return the configuration */
    public DomainConfig config() {
        return config;
    }

    /** @return the type */
    public DomainType type() {
        return config.type();
    }

    /** @return {@code is_hardware_domain} */
    public boolean isHardwareDomain() {
        return config.hardwareDomain();
    }

    /** @return {@code is_control_domain} / {@code is_privileged} */
    public boolean isPrivileged() {
        return config.privileged();
    }

    /** @return whether the domain uses pirqs for its own interrupts (PV always; HVM with {@code X86_EMU_USE_PIRQ}) */
    public boolean hasPirqNotion() {
        return config.type() == DomainType.PV || (config.type() == DomainType.HVM && config.pirqNotion());
    }

    /** @return the hypervisor */
    public DomainHost host() {
        return host;
    }

    /** @return the vCPUs */
    public List<Vcpu> vcpus() {
        return Collections.unmodifiableList(vcpus);
    }

    /**
     * @param n vCPU number
     * @return that vCPU
     */
    public Vcpu vcpu(final int n) {
        return vcpus.get(n);
    }

    /** @return emulated IO-APICs (empty for PV) */
    public List<IoApic> vioapics() {
        return Collections.unmodifiableList(vioapics);
    }

    /**
     * @param index vIO-APIC index
     * @return its guest-physical base
     */
    public long vioapicAddress(final int index) {
        return vioapicAddresses.get(index);
    }

    /**
     * @param gsi a guest GSI
     * @return the vIO-APIC with a pin for it, or {@code null}
     */
    public IoApic vioapicForGsi(final int gsi) {
        final IoApic[] byGsi = vioapicByGsi;
        return gsi >= 0 && gsi < byGsi.length ? byGsi[gsi] : null;
    }

    /** @return the domain's APIC bus (HVM-type), or {@code null} */
    public ApicBus apicBus() {
        return apicBus;
    }

    /** @return the IRQ capability rangeset */
    public IrqCaps irqCaps() {
        return irqCaps;
    }

    /** @return the pirq space */
    public PirqTable pirqs() {
        return pirqs;
    }

    /** @return the HVM interrupt lines, or {@code null} for PV */
    public HvmIrq hvmIrq() {
        return hvmIrq;
    }

    /** @return passthrough state ({@code hvm_irq_dpci}), or {@code null} if nothing is bound yet */
    public HvmIrqDpci dpci() {
        return dpci;
    }

    /** @param dpci passthrough state */
    public void setDpci(final HvmIrqDpci dpci) {
        this.dpci = dpci;
    }

    /** @return whether the domain has an IOMMU context ({@code is_iommu_enabled}) */
    public boolean iommuEnabled() {
        return iommu;
    }

    /** @param on IOMMU context present */
    public void setIommuEnabled(final boolean on) {
        this.iommu = on;
    }

    /** @return the domain this one is the device model of ({@code d->target} of that domain), or {@code null} */
    public Domain deviceModelFor() {
        return deviceModelFor;
    }

    /** @param target the domain this one serves as device model (a stub domain) */
    public void setDeviceModelFor(final Domain target) {
        this.deviceModelFor = target;
    }

    /** @return PCI devices assigned to it */
    public Set<Bdf> assignedDevices() {
        return assignedDevices;
    }

    /** @return the guest kernel, or {@code null} */
    public GuestKernel kernel() {
        return kernel;
    }

    /** @param kernel the guest kernel receiving interrupts */
    public void setKernel(final GuestKernel kernel) {
        this.kernel = kernel;
    }

    /**
     * @return the ACPI tables Xen hands the domain when it builds it: the host's for a PV hardware
     *     domain, the host's with Xen's own MADT ({@link PvhDom0Madt}) for a PVH one; {@code null} for
     *     any other domain, whose tables its toolstack builds
     */
    public AcpiTables firmware() {
        return firmware;
    }

    /** @param firmware the ACPI tables the domain is built with (see {@link #firmware()}) */
    public void setFirmware(final AcpiTables firmware) {
        this.firmware = firmware;
    }

    /** @return whether destruction started */
    public boolean isDying() {
        return dying;
    }

    /** Marks the domain dying. */
    public void setDying() {
        this.dying = true;
    }

    /**
     * Adds a listener told of every guest EOI of a level GSI of this domain (HVM-type domains;
     * a PV domain has no vIO-APIC and never calls it).
     *
     * @param listener the listener
     */
    public void addGsiEoiListener(final GsiEoiListener listener) {
        final GsiEoiListener[] ls = java.util.Arrays.copyOf(gsiEoiListeners, gsiEoiListeners.length + 1);
        ls[ls.length - 1] = listener;
        gsiEoiListeners = ls;
    }

    /**
     * Removes a listener added with {@link #addGsiEoiListener}; nothing happens if it is not there.
     *
     * @param listener the listener
     */
    public void removeGsiEoiListener(final GsiEoiListener listener) {
        for (int i = 0; i < gsiEoiListeners.length; i++) {
            if (gsiEoiListeners[i] == listener) {
                final GsiEoiListener[] ls = new GsiEoiListener[gsiEoiListeners.length - 1];
                System.arraycopy(gsiEoiListeners, 0, ls, 0, i);
                System.arraycopy(gsiEoiListeners, i + 1, ls, i, ls.length - i);
                gsiEoiListeners = ls;
                return;
            }
        }
    }

    /**
     * Tells the listeners that the guest EOI'd a level GSI (called by the hypervisor's vIO-APIC
     * hooks). Allocation-free.
     *
     * @param gsi the guest GSI
     */
    public void gsiEoi(final int gsi) {
        final GsiEoiListener[] ls = gsiEoiListeners;
        for (int i = 0; i < ls.length; i++) {
            ls[i].gsiEoi(this, gsi);
        }
    }

    /**
     * {@code send_guest_pirq} ({@code xen/common/event_channel.c@RELEASE-4.20.0}) &rarr;
     * {@code evtchn_2l_set_pending} ({@code xen/common/event_2l.c@RELEASE-4.20.0}) on vCPU 0 (the
     * channel's notify vCPU): sets the channel's pending bit; the upcall is raised only if the bit
     * was clear and the channel is not masked. A masked channel's event stays pending until
     * {@link #unmaskPirqEvent} or the guest's own unmask ({@link #writePirqEventMask}). Allocation-free
     * (the PV interrupt path).
     *
     * @param pirq the pirq
     */
    public void sendPirqEvent(final int pirq) {
        vcpus.get(0).raisePirqEvent(pirq);
    }

    /**
     * The guest writing the mask bit of its pirq's event channel in the shared-info page
     * ({@code shared_info->evtchn_mask}, 2-level ABI): Linux's {@code evtchn_2l_mask} sets it with
     * {@code sync_set_bit}, the local path of {@code evtchn_2l_unmask} clears it with
     * {@code sync_clear_bit} (drivers/xen/events/events_2l.c@v6.12). A memory write, not a hypercall:
     * Xen is not told, clearing the bit raises no upcall (the guest does that itself,
     * {@link #markEventUpcallPending}), and nothing is traced. Xen itself never sets the bit: it
     * starts clear ({@code clear_page} of the shared-info page, {@code arch_domain_create},
     * {@code xen/arch/x86/domain.c@RELEASE-4.20.0}) and neither {@code evtchn_bind_pirq} nor
     * {@code evtchn_close} touches it. irqsim numbers no ports: the bit belongs to the pirq and
     * may be written whether or not a channel is bound.
     *
     * @param pirq the pirq
     * @param masked the bit's new value
     */
    public void writePirqEventMask(final int pirq, final boolean masked) {
        vcpus.get(0).setPirqEventMask(pirq, masked);
    }

    /**
     * The guest setting {@code evtchn_upcall_pending} in vCPU 0's {@code vcpu_info} itself, as
     * Linux's {@code evtchn_2l_unmask} does (drivers/xen/events/events_2l.c@v6.12) for a PV
     * domain that found the event pending after clearing its mask: the upcall handler runs next.
     */
    public void markEventUpcallPending() {
        vcpus.get(0).markUpcallPending();
    }

    /**
     * {@code evtchn_2l_unmask} ({@code xen/common/event_2l.c@RELEASE-4.20.0}), reached through
     * {@code EVTCHNOP_unmask} ({@link io.irqsim.hv.hypercall.EvtchnOps#unmask}): clears the mask
     * bit and, if it was set and the event is pending, raises the upcall on vCPU 0.
     *
     * @param pirq the pirq
     */
    public void unmaskPirqEvent(final int pirq) {
        vcpus.get(0).unmaskPirqEvent(pirq);
    }

    /**
     * The mask bit of the event channel bound to a pirq ({@code evtchn_2l_is_masked},
     * {@code xen/common/event_2l.c@RELEASE-4.20.0}), as the guest last wrote it or
     * {@link #unmaskPirqEvent} cleared it.
     *
     * @param pirq the pirq
     * @return whether it is masked
     */
    public boolean isPirqEventMasked(final int pirq) {
        return vcpus.get(0).isPirqEventMasked(pirq);
    }

    /**
     * The domain's {@code pirq_eoi_map} bit for a pirq: set by {@code pirq_guest_bind} when the IRQ's
     * ack type needs a guest EOI, cleared when it does not ({@code set_pirq_eoi} /
     * {@code clear_pirq_eoi}, {@code xen/arch/x86/irq.c@RELEASE-4.20.0}). Xen keeps it in a page the
     * guest registered ({@code PHYSDEVOP_pirq_eoi_gmfn_v2}, which Linux's {@code xen_init_IRQ} does
     * for every PV domain); the guest only reads it ({@code pirq_check_eoi_map}). irqsim keeps the
     * map for every domain, registered or not.
     *
     * @param pirq the pirq
     * @return whether the guest must EOI it ({@code PHYSDEVOP_eoi})
     */
    public boolean pirqNeedsEoi(final int pirq) {
        return pirqEoiMap.get(pirq);
    }

    /**
     * {@code set_pirq_eoi} / {@code clear_pirq_eoi} ({@code xen/arch/x86/irq.c@RELEASE-4.20.0}): the
     * hypervisor's write to the domain's {@code pirq_eoi_map}.
     *
     * @param pirq the pirq
     * @param needsEoi the new bit
     */
    public void setPirqNeedsEoi(final int pirq, final boolean needsEoi) {
        pirqEoiMap.set(pirq, needsEoi);
    }

    /**
     * The pending bit of the event channel bound to a pirq ({@code evtchn_is_pending},
     * {@code xen/include/xen/event.h@RELEASE-4.20.0}): set by {@link #sendPirqEvent}, cleared when
     * vCPU 0 hands the event to the guest kernel or the channel is closed.
     *
     * @param pirq the pirq
     * @return whether an event for it is pending
     */
    public boolean isPirqEventPending(final int pirq) {
        return vcpus.get(0).isPirqEventPending(pirq);
    }

    /**
     * Clears the pending bit of the pirq's event channel: Xen's ({@code evtchn_free}'s
     * {@code evtchn_port_clear_pending}, {@code xen/common/event_channel.c@RELEASE-4.20.0}), or the
     * guest's own write to {@code shared_info->evtchn_pending} (Linux's {@code clear_evtchn} &rarr;
     * {@code evtchn_2l_clear_pending}, drivers/xen/events/events_2l.c@v6.12), which Xen is not told of.
     *
     * @param pirq the pirq
     */
    public void clearPirqEvent(final int pirq) {
        vcpus.get(0).clearPirqEvent(pirq);
    }

    /**
     * The guest's own write of the pending bit of its pirq's event channel: Linux's
     * {@code set_evtchn} &rarr; {@code evtchn_2l_set_pending} ({@code sync_set_bit} on
     * {@code shared_info->evtchn_pending}, drivers/xen/events/events_2l.c@v6.12), which
     * {@code retrigger_dynirq} uses. Xen is not told and no upcall is raised: the guest's next
     * unmask of the channel finds the event pending ({@link #markEventUpcallPending},
     * {@code EVTCHNOP_unmask}).
     *
     * @param pirq the pirq
     */
    public void writePirqEventPending(final int pirq) {
        vcpus.get(0).setPirqEventPending(pirq);
    }

    @Override
    public String toString() {
        return "d" + id + " (" + config.name() + ", " + config.type() + (isHardwareDomain() ? ", hardware domain" : "")
            + ")";
    }
}
