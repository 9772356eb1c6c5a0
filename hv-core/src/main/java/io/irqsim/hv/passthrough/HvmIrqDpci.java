package io.irqsim.hv.passthrough;

import java.util.ArrayList;
import java.util.List;

/**
 * A guest's passthrough interrupt table ({@code struct hvm_irq_dpci}): for every guest GSI, the
 * machine pirqs bound to it through a virtual device's INTx, and how many bound INTx lines use
 * each of the four PCI links.
 */
public final class HvmIrqDpci {

    /**
     * One binding of a guest GSI ({@code struct hvm_girq_dpci_mapping}).
     *
     * @param bus virtual bus
     * @param device virtual device
     * @param intx 0..3
     * @param pirq the guest's pirq for the machine interrupt ({@code machine_gsi}: a pirq despite its name)
     */
    public record Girq(int bus, int device, int intx, int pirq) {
    }

    private final List<List<Girq>> girqs;
    private final int[] linkCount = new int[4];
    private int isairqMap;

    /**
     * @param nrGsis guest GSIs
     */
    public HvmIrqDpci(final int nrGsis) {
        girqs = new ArrayList<>(nrGsis);
        for (int i = 0; i < nrGsis; i++) {
            girqs.add(new ArrayList<>(1));
        }
    }

    /**
     * @param guestGsi guest GSI
     * @return the bindings on it (live list)
     */
    public List<Girq> girqs(final int guestGsi) {
        return girqs.get(guestGsi);
    }

    /**
     * @param link 0..3
     * @return bound INTx lines using it
     */
    public int linkCount(final int link) {
        return linkCount[link];
    }

    /**
     * @param isairq 0..15
     * @return whether {@code isairq_map} has it: a bound INTx line reaches it through a PCI link
     */
    public boolean isairqMapped(final int isairq) {
        return (isairqMap & 1 << isairq) != 0;
    }

    /**
     * The pass-through fixup of {@code hvm_set_pci_link_route} ({@code xen/arch/x86/hvm/irq.c}@RELEASE-4.18.0):
     * a link moved from {@code oldIsaIrq}: clear that bit, then set the ISA IRQ of every link that has a
     * bound INTx line. Called only when the route changed.
     *
     * @param oldIsaIrq the link's previous ISA IRQ (0 = none)
     * @param routes the four links' ISA IRQs after the change
     */
    public void pciLinkRouteChanged(final int oldIsaIrq, final int[] routes) {
        if (oldIsaIrq != 0) {
            isairqMap &= ~(1 << oldIsaIrq);
        }
        for (int i = 0; i < 4; i++) {
            if (linkCount[i] != 0 && routes[i] != 0) {
                isairqMap |= 1 << routes[i];
            }
        }
    }

    void addLink(final int link, final int delta) {
        linkCount[link] += delta;
    }
}
