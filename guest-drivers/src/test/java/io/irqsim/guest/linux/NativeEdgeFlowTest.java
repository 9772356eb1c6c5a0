package io.irqsim.guest.linux;

import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a native irq's LAPIC EOI falls against its handlers (kernel/irq/chip.c@v6.12): an edge IO-APIC
 * pin runs {@code handle_edge_irq}, whose {@code irq_ack} ({@code irq_chip_ack_parent} &rarr;
 * {@code apic_ack_edge}, arch/x86/kernel/apic/vector.c@v6.12) EOIs the LAPIC before the handlers; a
 * level pin runs {@code handle_fasteoi_irq}, whose {@code ioapic_ack_level} EOIs after them. Seen
 * from a handler: the vector is still in service for a level irq and no longer for an edge one.
 */
class NativeEdgeFlowTest {

    /** An ISA line with its identity MP entry: edge, active high (the PVH dom0 maps it at boot). */
    private static final int EDGE_GSI = 4;
    private static final int LEVEL_GSI = DefaultPlatform.NIC_GSI;

    private static TestRig pvhDom0() {
        return TestRig.withNicEnabled(XenConfig.XEN_4_20, DomainType.PVH);
    }

    /** A handler recording whether its vector is in service at dom0's vLAPIC while it runs. */
    private static IrqHandler recordingIsr(final TestRig r, final int gsi, final List<Boolean> inService) {
        return IrqHandler.sync(irq -> {
            final LocalApic vlapic = r.d0.vcpu(0).vlapic();
            inService.add(vlapic.isr(r.dom0.irqs().byGsi(gsi).vector()));
            return true;
        });
    }

    private static void edge(final TestRig r, final int gsi) {
        final IoApic vioapic = r.d0.vioapicForGsi(gsi);
        final int pin = gsi - vioapic.gsiBase();
        vioapic.setInput(pin, true);
        vioapic.setInput(pin, false);
        r.xen.drain();
    }

    @Test
    void anEdgePinIsAcknowledgedAtTheLapicBeforeItsHandlerRuns() {
        final TestRig r = pvhDom0();
        final List<Boolean> inService = new ArrayList<>();
        assertEquals(0, r.dom0.requestIrq(EDGE_GSI, "edge", recordingIsr(r, EDGE_GSI, inService)));
        final LinuxIrq irq = r.dom0.irqs().byGsi(EDGE_GSI);
        assertFalse(irq.isLevel(), "the ISA identity entry's trigger");
        edge(r, EDGE_GSI);
        assertEquals(List.of(false), inService, "apic_ack_edge ran before the handler");
        assertEquals(1, irq.handledCount());
        assertFalse(r.d0.vcpu(0).vlapic().isr(irq.vector()), "and nothing is left in service");
    }

    // a second edge during the handler: the LAPIC already acknowledged the first, so the second is a
    // request in IRR with nothing in service (acknowledged after the handler, it would wait in IRR behind
    // the first's ISR bit), taken once the handler returns
    @Test
    void anEdgeDuringTheHandlerWaitsInIrrWithNothingInServiceAndRunsAfterwards() {
        final TestRig r = pvhDom0();
        final List<String> seen = new ArrayList<>();
        assertEquals(0, r.dom0.requestIrq(EDGE_GSI, "edge", IrqHandler.sync(irq -> {
            if (seen.isEmpty()) {
                edge(r, EDGE_GSI);
                final LocalApic vlapic = r.d0.vcpu(0).vlapic();
                final int vector = r.dom0.irqs().byGsi(EDGE_GSI).vector();
                seen.add("isr " + vlapic.isr(vector) + ", irr " + vlapic.irr(vector));
            } else {
                seen.add("second run");
            }
            return true;
        })));
        edge(r, EDGE_GSI);
        assertEquals(List.of("isr false, irr true", "second run"), seen);
        assertEquals(2, r.dom0.irqs().byGsi(EDGE_GSI).handledCount());
    }

    // a native MSI (an HVM guest without pirqs) runs the same edge flow: PCI-MSI's irq_ack is the parent's
    @Test
    void aNativeMsiIsAcknowledgedBeforeItsHandlerToo() {
        final PciMsiMaskTest.Guest g = new PciMsiMaskTest.Guest(false);
        assertEquals(1, g.enable());
        final int irqNo = g.kernel.dev(g.f.bdf()).irq();
        final LinuxIrq irq = g.kernel.irqs().byIrq(irqNo);
        final List<Boolean> inService = new ArrayList<>();
        assertEquals(0, g.kernel.requestIrq(irqNo, "msi", IrqHandler.sync(i -> {
            inService.add(g.domU.vcpu(0).vlapic().isr(irq.vector()));
            return true;
        })));
        g.fireMsi();
        assertEquals(List.of(false), inService);
        assertEquals(1, irq.handledCount());
    }

    @Test
    void aLevelPinIsStillInServiceWhileItsHandlerRuns() {
        final TestRig r = pvhDom0();
        final List<Boolean> inService = new ArrayList<>();
        final var nic = r.nic();
        assertEquals(0, r.dom0.requestIrq(LEVEL_GSI, "level", IrqHandler.sync(irq -> {
            inService.add(r.d0.vcpu(0).vlapic().isr(r.dom0.irqs().byGsi(LEVEL_GSI).vector()));
            nic.setInterruptRequest(false);
            return true;
        })));
        assertTrue(r.dom0.irqs().byGsi(LEVEL_GSI).isLevel());
        nic.setInterruptRequest(true);
        r.xen.drain();
        assertEquals(List.of(true), inService, "ioapic_ack_level EOIs after the handler");
        assertFalse(r.d0.vcpu(0).vlapic().isr(r.dom0.irqs().byGsi(LEVEL_GSI).vector()));
    }
}
