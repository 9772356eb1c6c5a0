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

    void addLink(final int link, final int delta) {
        linkCount[link] += delta;
    }
}
