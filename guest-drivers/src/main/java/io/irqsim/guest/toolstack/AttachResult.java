package io.irqsim.guest.toolstack;

import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.Bdf;

/**
 * How a PCI attach ended.
 *
 * @param device the physical device
 * @param domain the guest's name
 * @param failedStep the call that failed, or {@code null} if all succeeded
 * @param rc that call's result (a negative errno), 0 on success
 * @param gsi the machine GSI the toolstack used, -1 if it got none
 * @param pirq the guest's pirq for it, -1 if none
 * @param guestBdf where the guest sees the device, or {@code null}
 * @param guestGsi the guest GSI its INTx reaches, -1 if not bound
 */
public record AttachResult(Bdf device, String domain, AttachStep failedStep, int rc, int gsi, int pirq,
                           Bdf guestBdf, int guestGsi) {

    /** @return whether every step succeeded */
    public boolean ok() {
        return failedStep == null;
    }

    /** @return {@code "ok"} or {@code "<step>:<errno>"}, e.g. {@code "irq_permission:-EPERM"} */
    public String label() {
        return ok() ? "ok" : failedStep.label() + ":" + Errno.name(rc);
    }
}
