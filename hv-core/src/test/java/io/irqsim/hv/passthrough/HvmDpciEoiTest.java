package io.irqsim.hv.passthrough;

import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code hvm_dpci_eoi} (xen/drivers/passthrough/x86/hvm.c@RELEASE-4.18.0): a guest EOI of an ISA IRQ a PCI link
 * routes a passed-through INTx to ({@code hvm_dpci_isairq_eoi}), a hardware-domain GSI whose pirq exists but is
 * not bound ({@code hvm_gsi_eoi}), and a guest that takes the pirq as an event channel
 * ({@code hvm_domain_use_pirq}: {@code hvm_dirq_assist} sends the event, {@code __hvm_dpci_eoi} skips the deassert).
 */
class HvmDpciEoiTest {

    static final int GSI = DefaultPlatform.NIC_GSI;
    static final int SLOT = 5;
    static final int ISA_IRQ = 10;

    private static int link() {
        return HvmIrq.pciIntxLink(SLOT, 0);
    }

    /** Vector of the guest's ISA IRQ 10 pin: not the PCI GSI pin's, so its EOI matches that pin only. */
    static final int ISA_VECTOR = 0x61;

    /**
     * The guest handles its interrupts on ISA IRQ 10; its PCI GSI's pin is masked (vioapic_update_EOI matches
     * pins by vector, masked or not, hence a vector of its own for the ISA pin).
     */
    private static void useIsaPin(final Domain domu) {
        final Vcpu v = domu.vcpu(0);
        Rig.writeRte(v, HvmIrq.pciIntxGsi(SLOT, 0), Rig.pciLevelLow(Rig.GUEST_VECTOR, true));
        Rig.writeRte(v, HvmIrq.isaIrqToGsi(ISA_IRQ), Rig.pciLevelLow(ISA_VECTOR, false));
    }

    @Test
    void guestEoiOfAnIsaIrqALinkRoutesTheBoundIntxToCompletesThePhysicalInterrupt() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, SLOT);
        // hvm_set_pci_link_route after the binding: the pass-through fixup sets isairq_map
        assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), link(), ISA_IRQ));
        assertTrue(domu.dpci().isairqMapped(ISA_IRQ));
        useIsaPin(domu);
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        for (int i = 1; i <= 3; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(i, drv.handled, "interrupt " + i + " reached the guest on ISA IRQ 10");
            assertEquals(i, rig.count(HvEvent.PHYS_EOI), "the guest's EOI of ISA IRQ 10 EOI'd the physical line");
            assertFalse(domu.hvmIrq().isPciIntxAsserted(SLOT, 0), "hvm_dpci_isairq_eoi deasserted the INTx");
        }
    }

    @Test
    void isairqMapIsSetOnlyByARouteChangeAfterTheBinding() {
        // hvm_set_pci_link_route sets isairq_map for links with bound lines; pt_irq_create_bind does not
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), link(), ISA_IRQ));
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, SLOT);
        assertFalse(domu.dpci().isairqMapped(ISA_IRQ));
        useIsaPin(domu);
        final GuestDriver drv = GuestDriver.attach(domu, nic);
        // the driver holds its EOIs: without an isairq_map bit nothing deasserts the guest's INTx, so Xen's
        // vIO-APIC (no storm guard) re-delivers the level line after every EOI
        drv.eoi = false;
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, drv.handled);
        drv.lateEoi();
        rig.xen.drain();
        assertEquals(0, rig.count(HvEvent.PHYS_EOI), "the EOI of ISA IRQ 10 finds no isairq_map bit: no physical EOI");
        assertTrue(domu.hvmIrq().isPciIntxAsserted(SLOT, 0), "nor a deassert of the INTx");
        assertEquals(1, drv.notMine, "so the still-asserted line came straight back");
        // moving the link away clears the old bit; moving it back sets it again
        assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), link(), 11));
        assertTrue(domu.dpci().isairqMapped(11));
        assertFalse(domu.dpci().isairqMapped(ISA_IRQ));
        assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), link(), 0));
        assertFalse(domu.dpci().isairqMapped(11));
    }

    @Test
    void hardwareDomainGsiEoiNeedsOnlyThePirqToExist() {
        // hvm_gsi_eoi checks pirq_dpci(pirq_info(d, gsi)), which is non-NULL for any existing pirq: an EOI of a
        // GSI whose pirq exists but is not bound still counts one guest EOI
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Pirq p = dom0.pirqs().getOrCreate(GSI);
        p.dpci().setPending(1);
        assertFalse(p.dpci().has(PirqDpci.MAPPED));
        rig.xen.passthrough().hvmDpciEoi(dom0, GSI);
        assertEquals(0, p.dpci().pending());
        rig.xen.passthrough().hvmDpciEoi(dom0, GSI + 1); // no pirq: nothing
        assertEquals(null, dom0.pirqs().get(GSI + 1));
    }

    @Test
    void guestTakingThePirqAsAnEventChannelGetsTheEventAndItsLineStaysAsserted() {
        // arch_evtchn_bind_pirq sets emuirq = IRQ_PT: hvm_dirq_assist sends the pirq event, and __hvm_dpci_eoi
        // leaves the INTx asserted (the guest EOIs through PHYSDEVOP_eoi instead)
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, SLOT);
        final Pirq p = domu.pirqs().get(pirq);
        assertFalse(Passthrough.hvmDomainUsePirq(domu, p));
        p.setEmuirq(Pirq.EMUIRQ_PT);
        assertTrue(Passthrough.hvmDomainUsePirq(domu, p));
        assertFalse(Passthrough.hvmDomainUsePirq(domu, null));
        // a PVHVM guest with the pirq bound leaves the IO-APIC pin of that GSI masked
        final int guestGsi = HvmIrq.pciIntxGsi(SLOT, 0);
        Rig.writeRte(domu.vcpu(0), guestGsi, Rig.pciLevelLow(Rig.GUEST_VECTOR, true));
        final List<Integer> events = new ArrayList<>();
        domu.setKernel(new io.irqsim.hv.domain.GuestKernel() {
            @Override
            public void interrupt(final Vcpu vcpu, final int vector) {
                throw new AssertionError("no vIO-APIC interrupt expected, got vector " + vector);
            }

            @Override
            public void pirqEvent(final Vcpu vcpu, final int ev) {
                events.add(ev);
                nic.setInterruptRequest(false); // the driver acknowledges the device
            }
        });
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(List.of(pirq), events, "send_guest_pirq");
        assertTrue(domu.hvmIrq().isPciIntxAsserted(SLOT, 0), "hvm_dirq_assist still asserts the INTx");
        assertEquals(1, p.dpci().pending());
        rig.xen.passthrough().hvmDpciEoi(domu, guestGsi);
        assertTrue(domu.hvmIrq().isPciIntxAsserted(SLOT, 0), "__hvm_dpci_eoi skipped the deassert");
        assertEquals(0, p.dpci().pending(), "hvm_pirq_eoi still counts the EOI");
        assertEquals(1, rig.records(HvEvent.EVTCHN_PIRQ).size());
    }
}
