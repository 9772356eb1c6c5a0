package io.irqsim.guest.linux;

import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static io.irqsim.guest.linux.PciMsiMaskTest.CAP;
import static io.irqsim.guest.linux.PciMsiMaskTest.MASK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code check_irq_resend} (kernel/irq/resend.c@v6.12) at {@code enable_irq} and {@code request_irq}:
 * an edge interrupt the flow handler masked because the irq was disabled or had no action
 * ({@code IRQS_PENDING}) is sent again, through the vector domain's {@code apic_retrigger_irq} (a
 * self-IPI); a level one is not, its line fires again by itself when unmasked if still asserted.
 */
class IrqResendTest {

    /** An ISA line with its identity MP entry: edge, active high. */
    private static final int EDGE_GSI = 4;
    private static final int LEVEL_GSI = DefaultPlatform.NIC_GSI;

    private static TestRig pvhDom0() {
        return TestRig.withNicEnabled(XenConfig.XEN_4_20, DomainType.PVH);
    }

    private static void edge(final TestRig r, final int gsi) {
        final IoApic vioapic = r.d0.vioapicForGsi(gsi);
        vioapic.setInput(gsi - vioapic.gsiBase(), true);
        vioapic.setInput(gsi - vioapic.gsiBase(), false);
        r.xen.drain();
    }


    @Test
    void anEdgeTakenWhileDisabledIsSentAgainAtEnableIrq() {
        final TestRig r = pvhDom0();
        final int[] runs = {0};
        assertEquals(0, r.dom0.requestIrq(EDGE_GSI, "edge", CountingHandler.counting(runs)));
        final LinuxIrq d = r.dom0.irqs().byGsi(EDGE_GSI);
        assertEquals(0, r.dom0.disableIrq(EDGE_GSI));
        edge(r, EDGE_GSI);
        assertEquals(0, runs[0]);
        assertTrue(d.isPending(), "handle_edge_irq: IRQS_PENDING");
        assertTrue(Rte.isMasked(r.dom0Rte(EDGE_GSI)), "mask_ack_irq");
        assertEquals(0, r.dom0.enableIrq(EDGE_GSI));
        r.xen.drain();
        assertEquals(1, runs[0], "the self-IPI delivered it");
        assertFalse(d.isPending());
        assertEquals(1, r.linesContaining("check_irq_resend: the interrupt it missed is sent again"));
        assertFalse(Rte.isMasked(r.dom0Rte(EDGE_GSI)));
        assertFalse(r.d0.vcpu(0).vlapic().isr(d.vector()));
    }

    // a level line is not resent: unmasked, it is delivered again only because it is still asserted
    @Test
    void aLevelLineIsNotSentAgainItFiresByItselfIfStillAsserted() {
        final TestRig r = pvhDom0();
        final PciFunction nic = r.nic();
        final int[] runs = {0};
        assertEquals(0, r.dom0.requestIrq(LEVEL_GSI, "level", IrqHandler.sync(irq -> {
            runs[0]++;
            nic.setInterruptRequest(false);
            return true;
        })));
        final LinuxIrq d = r.dom0.irqs().byGsi(LEVEL_GSI);
        assertEquals(0, r.dom0.disableIrq(LEVEL_GSI));
        nic.setInterruptRequest(true);
        r.xen.drain();
        assertTrue(d.isPending());
        assertEquals(0, r.dom0.enableIrq(LEVEL_GSI));
        assertFalse(d.isPending(), "check_irq_resend clears it for a level irq");
        r.xen.drain();
        assertEquals(1, runs[0], "once: the asserted line, no IPI on top");
    }

    // irq_settings_is_level (the IO-APIC domain's IRQ_LEVEL, mp_register_handler): a level irq is never
    // retriggered, so a line released while the irq was disabled raises nothing at enable_irq. The
    // vIO-APIC input is driven directly: a passed-through line's virtual level follows the device only
    // at the guest's EOI (hvm_dpci_eoi), so the NIC could not release it here
    @Test
    void aLevelLineReleasedWhileDisabledRaisesNothingAtEnableIrq() {
        final TestRig r = pvhDom0();
        final int[] runs = {0};
        assertEquals(0, r.dom0.requestIrq(LEVEL_GSI, "level", CountingHandler.counting(runs)));
        final LinuxIrq d = r.dom0.irqs().byGsi(LEVEL_GSI);
        final IoApic vioapic = r.d0.vioapicForGsi(LEVEL_GSI);
        final int pin = LEVEL_GSI - vioapic.gsiBase();
        assertEquals(0, r.dom0.disableIrq(LEVEL_GSI));
        vioapic.setInput(pin, true);        // a vIO-APIC's inputs are logical: true is asserted
        r.xen.drain();
        vioapic.setInput(pin, false);
        assertTrue(d.isPending());
        assertEquals(0, r.dom0.enableIrq(LEVEL_GSI));
        r.xen.drain();
        assertEquals(0, runs[0], "no self-IPI for a level irq");
        assertEquals(0, r.linesContaining("check_irq_resend: the interrupt it missed is sent again"));
    }

    @Test
    void aNativeMsiTakenWhileDisabledIsSentAgainAtEnableIrq() {
        assertDisabledMsiIsResent(new PciMsiMaskTest.Guest(false));
    }

    // the same twice: each enable_irq resends what the flow handler masked while the irq was disabled
    @Test
    void everyDisabledEdgeIsResentAtItsOwnEnable() {
        final TestRig r = pvhDom0();
        final int[] runs = {0};
        assertEquals(0, r.dom0.requestIrq(EDGE_GSI, "edge", CountingHandler.counting(runs)));
        for (int round = 1; round <= 2; round++) {
            assertEquals(0, r.dom0.disableIrq(EDGE_GSI));
            edge(r, EDGE_GSI);
            assertEquals(0, r.dom0.enableIrq(EDGE_GSI));
            r.xen.drain();
            assertEquals(round, runs[0]);
        }
    }

    // an HVM guest with pirqs on an APICv host: its native MSI is resent through the vector domain too
    @Test
    void aNativeMsiOfAGuestWithPirqsIsResentAtEnableIrq() {
        assertDisabledMsiIsResent(new PciMsiMaskTest.Guest(true, true));
    }

    /** An MSI taken while its irq is disabled is masked (handle_edge_irq), then resent at enable_irq. */
    private static void assertDisabledMsiIsResent(final PciMsiMaskTest.Guest g) {
        assertEquals(1, g.enable());
        final int irqNo = g.kernel.dev(g.f.bdf()).irq();
        assertTrue(g.kernel.irqs().byIrq(irqNo).pirq() < 0, "a native MSI");
        final int[] runs = {0};
        assertEquals(0, g.kernel.requestIrq(irqNo, "msi", CountingHandler.counting(runs)));
        assertEquals(0, g.kernel.disableIrq(irqNo));
        g.fireMsi();
        assertEquals(0, runs[0]);
        assertEquals(1, g.f.configRead(MASK, 4) & 1, "masked by handle_edge_irq");
        assertEquals(0, g.kernel.enableIrq(irqNo));
        g.xen.drain();
        assertEquals(1, runs[0]);
        assertEquals(0, g.f.configRead(MASK, 4) & 1);
    }
}
