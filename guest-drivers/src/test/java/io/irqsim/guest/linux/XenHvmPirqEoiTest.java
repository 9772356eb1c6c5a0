package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.pci.PciRoot;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When an HVM guest's Linux with {@code XENFEAT_hvm_pirqs} sends {@code PHYSDEVOP_eoi}
 * (drivers/xen/events/events_base.c@v6.12, read at edera-dev/linux-upstream@2ec62dd9): an HVM
 * domain registers no {@code pirq_eoi_map} ({@code xen_init_IRQ} tries {@code PHYSDEVOP_pirq_eoi_gmfn_v2}
 * only outside {@code xen_hvm_domain()}), so {@code pirq_needs_eoi} stays {@code pirq_needs_eoi_flag},
 * the {@code PIRQ_NEEDS_EOI} bit {@code pirq_query_unmask} copies from Xen's
 * {@code PHYSDEVOP_irq_status_query} answer (xen/arch/x86/physdev.c@RELEASE-4.20.0: needs EOI for
 * every pirq with a Xen or an emulated IRQ behind it, -EINVAL, read as no flags, for one with neither).
 */
class XenHvmPirqEoiTest {

    private final Hypervisor xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20);
    private final Domain domU;
    private final LinuxDomU kernel;

    XenHvmPirqEoiTest() {
        xen.createDomain(DomainConfig.dom0(DomainType.PVH, 1));
        domU = xen.createDomain(DomainConfig.hvmGuest("g", 1, true));
        kernel = new LinuxDomU(xen, domU, new Timeline(xen.platform().clock(), xen.trace()::recordCount), new PciRoot());
        kernel.boot();
    }

    private long hypercalls(final long mark, final HypercallOp op, final int pirq) {
        final List<TraceRecord> all = xen.trace().reader().records();
        long n = 0;
        for (int i = (int) mark; i < all.size(); i++) {
            final TraceRecord t = all.get(i);
            if (t.event() == HvEvent.HYPERCALL && t.a() == op.code() && t.b() == pirq) {
                n++;
            }
        }
        return n;
    }

    /** Registers the GSI, requests its irq, and returns the pirq. */
    private LinuxIrq requested(final int gsi, final boolean level) {
        final int irqNo = kernel.backend().registerGsi(gsi, level, level);
        final LinuxIrq irq = kernel.irqs().byIrq(irqNo);
        assertEquals(0, kernel.requestIrq(irqNo, "t", IrqHandler.sync(i -> true)));
        return irq;
    }

    private void event(final LinuxIrq irq) {
        domU.sendPirqEvent(irq.pirq());
        xen.drain();
    }

    // events_base.c:xen_init_IRQ, pirq_query_unmask, do_eoi_pirq@v6.12; physdev.c:do_physdev_op
    // (PHYSDEVOP_irq_status_query)@RELEASE-4.20.0: Xen says an edge pirq needs EOI too, and with no
    // pirq_eoi_map Linux goes by that answer, so the edge interrupt is ended with PHYSDEVOP_eoi
    @Test
    void anHvmGuestEoisAnEdgePirqBecauseIrqStatusQuerySaysItNeedsEoi() {
        final LinuxIrq irq = requested(4, false);   // ISA IRQ 4: edge, emulated
        assertFalse(irq.isLevel());
        assertTrue(irq.pirqNeedsEoi(), "PIRQ_NEEDS_EOI from XENIRQSTAT_needs_eoi");
        final long mark = xen.trace().recordCount();
        event(irq);
        assertEquals(1, irq.handledCount());
        assertEquals(1, hypercalls(mark, HypercallOp.PHYSDEVOP_EOI, irq.pirq()));
    }

    // the same path for a level pirq: one PHYSDEVOP_eoi per interrupt, as before
    @Test
    void anHvmGuestEoisALevelPirqBecauseIrqStatusQuerySaysItNeedsEoi() {
        final LinuxIrq irq = requested(40, true);
        assertTrue(irq.pirqNeedsEoi());
        final long mark = xen.trace().recordCount();
        event(irq);
        event(irq);
        assertEquals(2, hypercalls(mark, HypercallOp.PHYSDEVOP_EOI, irq.pirq()));
    }

    // events_base.c:xen_bind_pirq_gsi_to_irq and __startup_pirq@v6.12 each call pirq_query_unmask, so
    // Linux asks Xen twice for a GSI's pirq: when it binds the irq and when request_irq starts it
    @Test
    void linuxAsksXenAtBindAndAgainAtStartup() {
        final long mark = xen.trace().recordCount();
        final LinuxIrq irq = requested(40, true);
        assertEquals(2, hypercalls(mark, HypercallOp.PHYSDEVOP_IRQ_STATUS_QUERY, irq.pirq()));
    }

    // pirq_query_unmask@v6.12: a failed PHYSDEVOP_irq_status_query reads as no flags, so PIRQ_NEEDS_EOI is
    // cleared and do_eoi_pirq sends nothing; Xen answers -EINVAL for an HVM pirq with neither a Xen IRQ nor
    // an emulated IRQ (an MSI pirq from PHYSDEVOP_get_free_pirq before its first message)
    @Test
    void aPirqXenAnswersEinvalForIsNeverEoid() {
        final int pirq = xen.physdev().getFreePirq(domU, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        final LinuxIrq irq = kernel.irqs().allocMsi();   // as PciMsi.setupIrq: xen_hvm_setup_msi_irqs
        irq.setPirq(pirq);
        irq.configure(false, false);
        assertEquals(0, kernel.requestIrq(irq.irq(), "t", IrqHandler.sync(i -> true)));
        assertFalse(irq.pirqNeedsEoi());
        final long mark = xen.trace().recordCount();
        event(irq);
        assertEquals(1, irq.handledCount());
        assertEquals(0, hypercalls(mark, HypercallOp.PHYSDEVOP_EOI, pirq));
    }

    // XenHvmPirqBackend hands a pirq irq to the xen-pirq flow: a level (shareable) GSI pirq runs
    // handle_fasteoi_irq, so its channel's pending bit is still set while the handler runs and is
    // cleared by eoi_pirq after it; an edge one runs handle_edge_irq, acknowledged first
    @Test
    void aLevelPirqIsEoidAfterItsHandlerAnEdgeOneBefore() {
        final java.util.List<Boolean> pendingInHandler = new java.util.ArrayList<>();
        for (final boolean level : new boolean[] {true, false}) {
            final int gsi = level ? 16 : 5;
            final int irqNo = kernel.backend().registerGsi(gsi, level, level);
            final LinuxIrq irq = kernel.irqs().byIrq(irqNo);
            assertEquals(level, irq.isLevel());
            assertEquals(0, kernel.requestIrq(irqNo, "t", IrqHandler.sync(i -> {
                pendingInHandler.add(domU.isPirqEventPending(irq.pirq()));
                return true;
            })));
            event(irq);
            assertFalse(domU.isPirqEventPending(irq.pirq()));
        }
        assertEquals(java.util.List.of(true, false), pendingInHandler);
    }
}
