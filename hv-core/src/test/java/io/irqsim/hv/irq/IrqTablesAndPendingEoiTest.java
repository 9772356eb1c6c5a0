package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Xen's IRQ bookkeeping in {@code xen/arch/x86/irq.c} (RELEASE-4.18.0, same at RELEASE-4.20.0):
 * {@code irq_to_desc} and {@code nr_irqs_gsi}, {@code create_irq}, {@code get_free_pirq}, and the
 * per-CPU {@code pending_eoi} stack of the "new" ack ({@code set_eoi_ready}, {@code flush_ready_eoi}).
 */
class IrqTablesAndPendingEoiTest {

    // init_irq_data: nr_irqs_gsi is at least 16 (the ISA IRQs exist even with fewer GSIs)
    @Test
    void nrIrqsGsiIsAtLeastTheSixteenIsaIrqs() {
        assertEquals(16, new IrqDescTable(8).nrIrqsGsi());
        assertEquals(16, new IrqDescTable(16).nrIrqsGsi());
        assertEquals(48, new IrqDescTable(48).nrIrqsGsi());
        assertEquals(48 + IrqDescTable.DYNAMIC_IRQS, new IrqDescTable(48).nrIrqs());
    }

    // irq_to_desc: no descriptor outside [0, nr_irqs); vector_irq[] holds -1 (no IRQ) for unassigned vectors
    @Test
    void descriptorsAndVectorsOutsideTheTablesAreNone() {
        final IrqDescTable t = new IrqDescTable(24);
        assertNull(t.desc(-1));
        assertNull(t.desc(t.nrIrqs()));
        assertEquals(t.nrIrqs() - 1, t.desc(t.nrIrqs() - 1).irq());
        assertEquals(0, t.desc(0).irq());
        assertEquals(-1, t.irqForVector(-1));
        assertEquals(-1, t.irqForVector(256));
        assertEquals(-1, t.irqForVector(0x51));
        t.bindVector(0xFF, 7);
        assertEquals(7, t.irqForVector(0xFF), "the highest vector has an entry");
        t.bindVector(0, 3);
        assertEquals(3, t.irqForVector(0));
    }

    // create_irq: dynamic IRQs come above nr_irqs_gsi; when every one is in use, -ENOSPC
    @Test
    void createIrqHandsOutDynamicIrqsAboveTheGsisUntilEnospc() {
        final IrqDescTable t = new IrqDescTable(24);
        for (int i = 0; i < IrqDescTable.DYNAMIC_IRQS; i++) {
            final int irq = t.createIrq();
            assertEquals(24 + i, irq, "allocation " + i);
            t.desc(irq).setHandler(HandlerType.MSI);
        }
        assertEquals(-Errno.ENOSPC, t.createIrq());
        // freeing one makes it (and only it) available again, even below where the search stopped
        t.desc(30).setHandler(HandlerType.NONE);
        assertEquals(30, t.createIrq());
        t.desc(30).setHandler(HandlerType.MSI);
        t.desc(24 + IrqDescTable.DYNAMIC_IRQS - 1).setHandler(HandlerType.NONE);
        assertEquals(24 + IrqDescTable.DYNAMIC_IRQS - 1, t.createIrq(), "the last dynamic IRQ");
    }

    // create_irq@RELEASE-4.20.0 walks from nr_irqs_gsi up and takes the first unused IRQ: one given
    // back is handed out again before any IRQ above it, not after them (no round robin)
    @Test
    void createIrqTakesTheLowestUnusedIrqSoAFreedOneComesBackFirst() {
        final IrqDescTable t = new IrqDescTable(24);
        for (int i = 0; i < 3; i++) {
            t.desc(t.createIrq()).setHandler(HandlerType.MSI);
        }
        t.desc(24).setHandler(HandlerType.NONE);
        assertEquals(24, t.createIrq());
        t.desc(24).setHandler(HandlerType.MSI);
        assertEquals(27, t.createIrq(), "the next unused one");
        t.desc(25).setHandler(HandlerType.NONE);
        t.desc(26).setHandler(HandlerType.NONE);
        assertEquals(25, t.createIrq(), "the lowest of two freed");
    }

    // get_free_pirq: a GSI pirq is the lowest free one from 16 below nr_irqs_gsi; an MSI pirq the highest free one
    @Test
    void getFreePirqTakesTheLowestGsiPirqFromSixteenAndTheHighestMsiPirq() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvDom0();
        final PirqMapping m = rig.xen.pirqMapping();
        final int nrPirqs = dom0.pirqs().nrPirqs();
        final int nrIrqsGsi = rig.xen.irqDescs().nrIrqsGsi();
        assertEquals(16, m.getFreePirq(dom0, true));
        assertEquals(nrPirqs - 1, m.getFreePirq(dom0, false));
        dom0.pirqs().link(16, 16);
        assertEquals(17, m.getFreePirq(dom0, true));
        dom0.pirqs().link(nrPirqs - 1, nrIrqsGsi + 1);
        assertEquals(nrPirqs - 2, m.getFreePirq(dom0, false));
        for (int p = 17; p < nrIrqsGsi; p++) {
            dom0.pirqs().link(p, p);
        }
        assertEquals(nrPirqs - 2, m.getFreePirq(dom0, true), "no GSI pirq left: the highest free one");
    }

    // set_eoi_ready + flush_ready_eoi: LAPIC EOIs are written only for ready entries at the top of the stack
    @Test
    void deferredLapicEoisLeaveTheStackOnlyFromTheTop() {
        final Rig rig = Rig.boot(Rig.newAckPlatform(), XenConfig.XEN_4_20);
        final PhysicalCpu cpu = rig.xen.guestIrqs().cpu(0);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        cpu.pushPendingEoi(20);
        cpu.pushPendingEoi(21);
        assertEquals(2, cpu.pendingEois());
        assertEquals(0, cpu.markEoiReadyAndFlush(20, routing), "20 is under 21: nothing is EOI'd yet");
        assertEquals(2, cpu.pendingEois());
        assertEquals(2, cpu.markEoiReadyAndFlush(21, routing), "21 then the ready 20");
        assertEquals(0, cpu.pendingEois());
        assertEquals(0, cpu.markEoiReadyAndFlush(22, routing), "an IRQ not on the stack EOIs nothing");
    }

    // the same IRQ twice on the stack: the topmost not-yet-ready entry is the one marked
    @Test
    void theTopmostPendingEntryOfAnIrqIsMarkedFirst() {
        final Rig rig = Rig.boot(Rig.newAckPlatform(), XenConfig.XEN_4_20);
        final PhysicalCpu cpu = rig.xen.guestIrqs().cpu(0);
        final IoApicRouting routing = rig.xen.ioapicRouting();
        cpu.pushPendingEoi(20);
        cpu.pushPendingEoi(21);
        cpu.pushPendingEoi(20);
        assertEquals(1, cpu.markEoiReadyAndFlush(20, routing));
        assertEquals(2, cpu.pendingEois());
        assertEquals(0, cpu.markEoiReadyAndFlush(20, routing), "the lower 20 is ready but 21 is above it");
        assertEquals(2, cpu.markEoiReadyAndFlush(21, routing));
        assertEquals(0, cpu.pendingEois());
        assertEquals(0, cpu.index());
    }

    // pending_eoi is a fixed-size per-CPU stack (do_IRQ ASSERTs room); overflowing it is an error, not a silent drop
    @Test
    void overflowingThePendingEoiStackIsAnError() {
        final Rig rig = Rig.boot(Rig.newAckPlatform(), XenConfig.XEN_4_20);
        final PhysicalCpu cpu = rig.xen.guestIrqs().cpu(0);
        for (int i = 0; i < 256; i++) {
            cpu.pushPendingEoi(i);
        }
        assertEquals(256, cpu.pendingEois());
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> cpu.pushPendingEoi(1));
        assertTrue(e.getMessage().contains("cpu0"));
    }
}
