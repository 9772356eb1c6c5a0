package io.irqsim.guest.linux;

import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code free_irq}, {@code disable_irq} and {@code enable_irq} (kernel/irq/manage.c, chip.c, read at
 * Kingxukai/linux@9b44fff6) on the IO-APIC chip, which has no {@code irq_shutdown},
 * {@code irq_disable} or {@code irq_enable}: a PVH dom0 on its vIO-APIC.
 */
class IrqManageNativeTest {

    private static final int GSI = DefaultPlatform.NIC_GSI;

    private static TestRig pvhDom0() {
        return TestRig.withNicEnabled(XenConfig.XEN_4_18, DomainType.PVH);
    }

    // irq_shutdown without a chip irq_shutdown: __irq_disable(desc, true) -> mask_irq ->
    // mask_ioapic_irq, so the pin is masked when the last handler is freed
    @Test
    void irqShutdownMasksTheIoApicPin() {
        final TestRig r = pvhDom0();
        final IrqHandler h = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(GSI, "t", h));
        assertFalse(Rte.isMasked(r.dom0Rte(GSI)));
        assertEquals("t", r.dom0.freeIrq(GSI, h));
        assertTrue(Rte.isMasked(r.dom0Rte(GSI)));
        assertFalse(r.dom0.irqs().byGsi(GSI).isStarted());
    }

    // __irq_disable(desc, false) without a chip irq_disable is lazy: the pin stays unmasked until an
    // interrupt finds the irq disabled and handle_fasteoi_irq masks it; irq_enable then has no chip
    // irq_enable and runs unmask_irq, which unmasks the masked pin, and the still-asserted line is
    // taken by the handler
    @Test
    void lazyDisableIrqIsUndoneByUnmaskIrq() {
        final TestRig r = pvhDom0();
        final PciFunction f = r.nic();
        final int[] ran = {0};
        assertEquals(0, r.dom0.requestIrq(GSI, "t", IrqHandler.sync(i -> {
            ran[0]++;
            f.setInterruptRequest(false);
            return true;
        })));
        assertEquals(0, r.dom0.disableIrq(GSI));
        assertFalse(Rte.isMasked(r.dom0Rte(GSI)), "lazy: nothing written");
        f.setInterruptRequest(true);
        r.xen.drain();
        assertEquals(0, ran[0]);
        assertTrue(Rte.isMasked(r.dom0Rte(GSI)), "the flow handler masked the disabled irq");
        assertEquals(0, r.dom0.enableIrq(GSI));
        assertFalse(Rte.isMasked(r.dom0Rte(GSI)));
        r.xen.drain();
        assertEquals(1, ran[0]);
    }

    // kernel/irq/manage.c:__setup_irq@v6.12: the first action's irq_startup(IRQ_RESEND, IRQ_START_COND) on
    // an irq enable_irq already restarted after the last free_irq is irq_enable (kernel/irq/chip.c):
    // handle_fasteoi_irq masked the pin when the interrupt found no action, and the new handler's
    // request unmasks it, so the still-asserted line reaches the handler
    @Test
    void requestIrqOnARestartedIrqUnmasksThePinTheFlowHandlerMasked() {
        final TestRig r = pvhDom0();
        final PciFunction f = r.nic();
        final IrqHandler gone = IrqHandler.sync(i -> true);
        assertEquals(0, r.dom0.requestIrq(GSI, "t", gone));
        r.dom0.freeIrq(GSI, gone);
        assertEquals(0, r.dom0.enableIrq(GSI));
        assertFalse(Rte.isMasked(r.dom0Rte(GSI)), "irq_startup unmasked the pin");
        f.setInterruptRequest(true);
        r.xen.drain();
        assertTrue(Rte.isMasked(r.dom0Rte(GSI)), "no action: the flow handler masked it");
        final int[] ran = {0};
        assertEquals(0, r.dom0.requestIrq(GSI, "t2", IrqHandler.sync(i -> {
            ran[0]++;
            f.setInterruptRequest(false);
            return true;
        })));
        assertFalse(Rte.isMasked(r.dom0Rte(GSI)));
        r.xen.drain();
        assertEquals(1, ran[0]);
    }
}
