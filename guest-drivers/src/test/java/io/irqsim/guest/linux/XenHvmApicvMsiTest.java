package io.irqsim.guest.linux;

import io.irqsim.hw.apic.LocalApic;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.irqsim.guest.linux.PciMsiMaskTest.CAP;
import static io.irqsim.guest.linux.PciMsiMaskTest.MASK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code xen_hvm_msi_init} (arch/x86/pci/xen.c@v6.12): an HVM guest with {@code XENFEAT_hvm_pirqs}
 * keeps native MSI when Xen's hypervisor leaf reports {@code XEN_HVM_CPUID_APIC_ACCESS_VIRT}, which
 * Xen sets on a host with APIC-register virtualization ({@code cpuid_hypervisor_leaves},
 * xen/arch/x86/traps.c@RELEASE-4.18.0): a vector in the message, the mask bits used
 * ({@code pci_msi_ignore_mask} is not set), the interrupt taken through the vLAPIC and acknowledged
 * there ({@code handle_edge_irq}, {@code apic_ack_edge}), not through a pirq's event channel.
 */
class XenHvmApicvMsiTest {

    private static PciMsiMaskTest.Guest apicvGuest() {
        final PciMsiMaskTest.Guest g = new PciMsiMaskTest.Guest(true, true);
        assertEquals(1, g.enable());
        return g;
    }

    @Test
    void onAnApicvHostTheMsiCarriesAVectorAndNoPirq() {
        final PciMsiMaskTest.Guest g = apicvGuest();
        final LinuxIrq irq = g.kernel.irqs().byIrq(g.kernel.dev(g.f.bdf()).irq());
        assertTrue(irq.pirq() < 0, "no PHYSDEVOP_get_free_pirq(MSI)");
        final int data = g.f.configRead(CAP + 0x0c, 2);
        assertEquals(irq.vector(), data & 0xff, "__irq_msi_compose_msg: the vector");
        assertEquals(0, data & 0x0700, "fixed delivery, not ExtINT");
        assertTrue(irq.vector() >= 0x20);
        final int lo = g.f.configRead(CAP + 4, 4);
        assertEquals(0xFEE0_0000 | g.domU.vcpu(0).vlapic().apicId() << 12, lo, "the boot vCPU, physical");
        assertEquals(1, g.f.configRead(MASK, 4) & 1, "can_mask: msi_capability_init masked vector 0");
        assertTrue(g.log.entries().stream().anyMatch(e -> e.text().contains("MSIs stay native")));
    }

    @Test
    void itsInterruptIsTakenThroughTheVlapicAndAcknowledgedBeforeTheHandler() {
        final PciMsiMaskTest.Guest g = apicvGuest();
        final int irqNo = g.kernel.dev(g.f.bdf()).irq();
        final LinuxIrq irq = g.kernel.irqs().byIrq(irqNo);
        final LocalApic vlapic = g.domU.vcpu(0).vlapic();
        final List<Boolean> inService = new ArrayList<>();
        assertEquals(0, g.kernel.requestIrq(irqNo, "t", IrqHandler.sync(i -> {
            inService.add(vlapic.isr(irq.vector()));
            return true;
        })));
        assertEquals(0, g.f.configRead(MASK, 4) & 1, "request_irq unmasked it");
        g.fireMsi();
        assertEquals(List.of(false), inService, "apic_ack_edge before the handler");
        assertEquals(1, irq.handledCount());
        assertFalse(vlapic.isr(irq.vector()));
        assertFalse(vlapic.irr(irq.vector()));
    }

    // common_interrupt (arch/x86/kernel/irq.c@v6.12): a vector with no irq behind it is EOI'd at the
    // LAPIC whatever the guest's irq back end, or it would block every vector of its priority class
    @Test
    void aVectorNobodyOwnsIsEoidAtTheVlapic() {
        final PciMsiMaskTest.Guest g = apicvGuest();
        final int stray = 0x99;
        assertNull(g.kernel.irqs().byVector(stray));
        g.domU.apicBus().sendMsi(0xFEE0_0000L | g.domU.vcpu(0).vlapic().apicId() << 12, stray);
        g.xen.drain();
        assertEquals(1, g.kernel.spuriousVectors());
        assertFalse(g.domU.vcpu(0).vlapic().isr(stray));
    }

    // disable_irq on the PCI-MSI chip (no irq_disable) is lazy; the next MSI finds the irq disabled and
    // handle_edge_irq masks it (mask_ack_irq -> pci_msi_mask_irq), running no handler
    @Test
    void disableIrqOnANativeMsiIsLazyAndTheNextMsiMasksIt() {
        final PciMsiMaskTest.Guest g = apicvGuest();
        final int irqNo = g.kernel.dev(g.f.bdf()).irq();
        final int[] runs = {0};
        assertEquals(0, g.kernel.requestIrq(irqNo, "t", CountingHandler.counting(runs)));
        assertEquals(0, g.kernel.disableIrq(irqNo));
        assertEquals(0, g.f.configRead(MASK, 4) & 1, "lazy: nothing written");
        g.fireMsi();
        assertEquals(0, runs[0]);
        assertEquals(1, g.f.configRead(MASK, 4) & 1, "masked by the flow handler");
        assertFalse(g.domU.vcpu(0).vlapic().isr(g.kernel.irqs().byIrq(irqNo).vector()), "and EOI'd");
    }

    // note_interrupt disables an irq nobody claims: on the PCI-MSI chip that is the same lazy disable
    @Test
    void aNativeMsiNobodyClaimsIsDisabledAndThenMasked() {
        final PciMsiMaskTest.Guest g = apicvGuest();
        final int irqNo = g.kernel.dev(g.f.bdf()).irq();
        assertEquals(0, g.kernel.requestIrq(irqNo, "t", IrqHandler.sync(i -> false)));
        final LinuxIrq d = g.kernel.irqs().byIrq(irqNo);
        for (int i = 0; i < 100_000 && !d.isSpuriousDisabled(); i++) {
            g.fireMsi();
        }
        assertTrue(d.isSpuriousDisabled(), "nobody cared");
        g.fireMsi();
        assertEquals(1, g.f.configRead(MASK, 4) & 1);
    }

    @Test
    void withoutApicvTheSameGuestTakesItsMsiAsAPirq() {
        final PciMsiMaskTest.Guest g = new PciMsiMaskTest.Guest(true, false);
        assertEquals(1, g.enable());
        assertTrue(g.kernel.irqs().byIrq(g.kernel.dev(g.f.bdf()).irq()).pirq() >= 0);
        assertEquals(0x0700, g.f.configRead(CAP + 0x0c, 2), "xen_msi_compose_msg: ExtINT, vector 0");
        assertTrue(g.log.entries().stream().anyMatch(e -> e.text().contains("GSIs and MSIs go through Xen pirqs")));
    }
}
