package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.HwdomGsiMapPolicy;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecorder;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicHooks;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.TraceSwitch;

/**
 * The hypervisor's hooks on a domain's vIO-APIC: the parts of Xen's
 * {@code vioapic_write_redirent} and {@code vioapic_update_EOI} that go beyond the register
 * model ({@code xen/arch/x86/hvm/vioapic.c}).
 *
 * <p>Everything a write consults that cannot change while the domain lives (the trace recorder,
 * whether the domain is the hardware domain, the design's GSI-mapping policy: Xen's
 * configuration is fixed at boot) is resolved when the hooks are created, not looked up per write.
 */
final class VioapicTraps implements IoApicHooks {

    private final Hypervisor xen;
    private final Domain domain;
    private final TraceRecorder trace;
    /** The hardware domain's {@code vioapic_hwdom_map_gsi} policy; {@code null} for any other domain. */
    private final HwdomGsiMapPolicy hwdomGsiMap;

    VioapicTraps(final Hypervisor xen, final Domain domain) {
        this.xen = xen;
        this.domain = domain;
        this.trace = xen.trace();
        this.hwdomGsiMap = domain.isHardwareDomain() ? xen.config().hwdomGsiMap() : null;
    }

    @Override
    public void rteWritten(final IoApic ioapic, final int pin, final long oldRte, final long newRte,
                           final boolean topWord) {
        final int gsi = ioapic.gsiBase() + pin;
        if (TraceSwitch.anyOn()) {
            trace.event(HvEvent.VIOAPIC_RTE_WRITE, gsi, oldRte, newRte);
        }
        // a level entry rewritten as edge while Remote IRR was set is Linux's EOI for IO-APICs
        // without an EOI register (__eoi_ioapic_pin): pass it on to the passed-through line
        if (!topWord && !Rte.isLevel(newRte) && Rte.remoteIrr(oldRte)) {
            if (TraceSwitch.anyOn()) {
                trace.event(HvEvent.VIOAPIC_EDGE_EOI, gsi, 0, 0);
            }
            guestEoi(gsi);
        }
        final HwdomGsiMapPolicy policy = hwdomGsiMap;
        if (policy != null) {
            policy.rteWritten(xen, domain, gsi, oldRte, newRte, topWord);
        }
    }

    @Override
    public void eoiReceived(final IoApic ioapic, final int pin, final long oldRte) {
        guestEoi(ioapic.gsiBase() + pin);
    }

    /** The guest EOI'd a GSI: passed-through lines ({@code hvm_dpci_eoi}, a no-op without an IOMMU), then device models outside the hypervisor. */
    private void guestEoi(final int gsi) {
        xen.passthrough().hvmDpciEoi(domain, gsi);
        domain.gsiEoi(gsi);
    }
}
