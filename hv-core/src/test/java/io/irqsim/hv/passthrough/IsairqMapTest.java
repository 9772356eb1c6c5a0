package io.irqsim.hv.passthrough;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code hvm_irq_dpci->isairq_map}, kept by the "PCI pass-through fixup" of {@code hvm_set_pci_link_route}
 * (xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0): when a link's route changes, the old ISA IRQ's bit is
 * cleared, then every link that has bound INTx lines ({@code link_cnt[i]}) and a route sets its ISA IRQ's
 * bit. {@code pt_irq_destroy_bind} only lowers {@code link_cnt}: a bit stays until a route changes.
 */
class IsairqMapTest {

    static int[] routes(final int l0, final int l1, final int l2, final int l3) {
        return new int[] {l0, l1, l2, l3};
    }

    static int map(final HvmIrqDpci d) {
        int m = 0;
        for (int irq = 0; irq < 16; irq++) {
            m |= d.isairqMapped(irq) ? 1 << irq : 0;
        }
        return m;
    }

    @Test
    void onlyRoutedLinksWithBoundLinesSetTheirIsaIrq() {
        final HvmIrqDpci d = new HvmIrqDpci(48);
        d.addLink(1, 1);
        d.pciLinkRouteChanged(0, routes(9, 5, 0, 0)); // link 0 routed but has no bound line
        assertEquals(1 << 5, map(d));
        d.addLink(2, 1);
        d.pciLinkRouteChanged(0, routes(9, 5, 0, 0)); // link 2 has a line but no route
        assertEquals(1 << 5, map(d));
        assertFalse(d.isairqMapped(0));
    }

    @Test
    void aMovedLinkClearsItsOldIrqUnlessAnotherBoundLinkStillRoutesThere() {
        final HvmIrqDpci d = new HvmIrqDpci(48);
        d.addLink(1, 1);
        d.addLink(3, 2);
        assertEquals(2, d.linkCount(3));
        d.pciLinkRouteChanged(0, routes(0, 10, 0, 10));
        assertEquals(1 << 10, map(d));
        d.pciLinkRouteChanged(10, routes(0, 10, 0, 7)); // link 3: 10 -> 7; link 1 keeps 10 set
        assertEquals(1 << 10 | 1 << 7, map(d));
        d.pciLinkRouteChanged(10, routes(0, 11, 0, 7)); // link 1: 10 -> 11
        assertEquals(1 << 11 | 1 << 7, map(d));
    }

    @Test
    void anUnboundLineLeavesItsBitUntilTheRouteChanges() {
        final HvmIrqDpci d = new HvmIrqDpci(48);
        d.addLink(1, 1);
        d.pciLinkRouteChanged(0, routes(0, 5, 0, 0));
        d.addLink(1, -1); // pt_irq_destroy_bind: link_cnt[link]--, isairq_map untouched
        assertEquals(0, d.linkCount(1));
        assertTrue(d.isairqMapped(5));
        d.pciLinkRouteChanged(5, routes(0, 6, 0, 0));
        assertEquals(0, map(d), "old bit cleared, and link 1 has no line to set 6");
    }
}
