package io.irqsim.hv.passthrough;

import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's vIO-APIC is version 0x11: its EOI register is compiled out, so Linux EOIs a level entry
 * there by rewriting it masked + edge and back ({@code __eoi_ioapic_pin}). In
 * {@code vioapic_write_redirent} a switch to edge while Remote IRR was set calls
 * {@code hvm_dpci_eoi} for passed-through lines.
 */
class VioapicEdgeEoiTest {

    static final int GSI = DefaultPlatform.NIC_GSI;
    static final int VDEV = 5;

    // level -> edge with Remote IRR set reaches hvm_dpci_eoi: the physical line is completed at
    // that write, before (and without) a LAPIC EOI
    @Test
    void levelToEdgeRewriteWithRemoteIrrEoisThePassedThroughLine() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, VDEV);
        final int guestGsi = HvmIrq.pciIntxGsi(VDEV, 0);
        final IoApic phys = rig.phys();
        final IoApic vioapic = domu.vioapics().get(0);
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        drv.eoi = false;
        final List<String> failures = new ArrayList<>();
        drv.inService = () -> {
            final var v = domu.vcpu(0);
            if (!Rte.remoteIrr(vioapic.rte(guestGsi)) || !Rte.remoteIrr(phys.rte(GSI))) {
                failures.add("both Remote IRRs set before the rewrite");
            }
            final long entry = Rig.pciLevelLow(Rig.GUEST_VECTOR, false);
            Rig.writeRteLow(v, guestGsi, Rte.low(Rte.withMask(entry & ~Rte.TRIGGER_LEVEL, true)));
            if (rig.count(HvEvent.VIOAPIC_EDGE_EOI) != 1 || Rte.remoteIrr(phys.rte(GSI))
                || rig.count(HvEvent.PHYS_EOI) != 1) {
                failures.add("the edge rewrite completed the physical line");
            }
            if (domu.pirqs().get(pirq).dpci().pending() != 0) {
                failures.add("no guest EOI pending after the rewrite");
            }
            Rig.writeRteLow(v, guestGsi, Rte.low(entry));
        };
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertTrue(failures.isEmpty(), failures.toString());
        assertEquals(1, drv.handled);
        assertTrue(domu.vcpu(0).vlapic().isr(Rig.GUEST_VECTOR), "no LAPIC EOI was written");
        assertTrue(Rte.isLevel(vioapic.rte(guestGsi)) && !Rte.isMasked(vioapic.rte(guestGsi)), "restored");
        assertFalse(Rte.remoteIrr(vioapic.rte(guestGsi)));
        assertEquals(guestGsi, rig.records(HvEvent.VIOAPIC_EDGE_EOI).get(0).a());
    }

    // without Remote IRR the same rewrite is no EOI
    @Test
    void levelToEdgeRewriteWithoutRemoteIrrDoesNothing() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, VDEV);
        final int guestGsi = HvmIrq.pciIntxGsi(VDEV, 0);
        Rig.writeRteLow(domu.vcpu(0), guestGsi, Rte.low(Rte.of(Rig.GUEST_VECTOR, Rte.DM_FIXED, false, true, false, true, 0)));
        assertEquals(0, rig.count(HvEvent.VIOAPIC_EDGE_EOI));
        assertEquals(0, rig.count(HvEvent.DPCI_EOI));
    }

    // the vIO-APIC's EOI register at 0x40 does not exist on version 0x11: a guest cannot EOI there
    @Test
    void eoiRegisterWriteIsIgnoredByTheVioapic() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, VDEV);
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        drv.eoi = false;
        drv.inService = () -> domu.vcpu(0).mmioWrite(Rig.defaultVioapicBase() + 0x40, 4, Rig.GUEST_VECTOR);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, drv.handled);
        assertTrue(Rte.remoteIrr(rig.phys().rte(GSI)), "still waiting for the guest");
        assertTrue(Rte.remoteIrr(domu.vioapics().get(0).rte(HvmIrq.pciIntxGsi(VDEV, 0))));
        assertEquals(0, rig.count(HvEvent.PHYS_EOI));
    }
}
