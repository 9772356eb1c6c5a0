package io.irqsim.guest.toolstack;

import io.irqsim.hv.Errno;
import io.irqsim.hw.pci.Bdf;

/**
 * How a PCI attach ended: libxl's result, and separately whether the device model bound the
 * device's INTx. QEMU's {@code xen_pt_realize} does not fail the attach when its
 * {@code map_pirq} or {@code bind_pt_irq} fails: it sets {@code PCI_COMMAND_INTX_DISABLE} and the
 * device stays in the guest without a legacy interrupt, so an attach can be {@link #ok()} and
 * still deliver nothing ({@link #intxDisabled()}).
 *
 * @param device the physical device
 * @param domain the guest's name
 * @param failedStep the call that failed the attach, or {@code null} if libxl succeeded
 * @param rc that call's result (a negative errno), 0 on success
 * @param gsi the machine GSI (or dom0 irq) the toolstack used, -1 if it got none
 * @param pirq the guest's pirq for it, -1 if none
 * @param guestBdf where the guest sees the device, or {@code null} if the device model never presented it
 * @param guestGsi the guest GSI its INTx reaches, -1 if not bound
 * @param dmFailedStep the device model's call that failed, leaving INTx disabled, or {@code null}
 * @param dmRc that call's result (a negative errno), 0 if none failed
 */
public record AttachResult(Bdf device, String domain, AttachStep failedStep, int rc, int gsi, int pirq,
                           Bdf guestBdf, int guestGsi, AttachStep dmFailedStep, int dmRc) {

    /**
     * A result with nothing to say about the device model's INTx binding.
     *
     * @param device the physical device
     * @param domain the guest's name
     * @param failedStep the failed call or {@code null}
     * @param rc its errno or 0
     * @param gsi GSI or -1
     * @param pirq pirq or -1
     * @param guestBdf guest BDF or {@code null}
     * @param guestGsi guest GSI or -1
     */
    public AttachResult(final Bdf device, final String domain, final AttachStep failedStep, final int rc,
                        final int gsi, final int pirq, final Bdf guestBdf, final int guestGsi) {
        this(device, domain, failedStep, rc, gsi, pirq, guestBdf, guestGsi, null, 0);
    }

    /** @return whether libxl reported success (every call it makes succeeded) */
    public boolean ok() {
        return failedStep == null;
    }

    /** @return whether the device model left the device's INTx disabled because its map or bind failed */
    public boolean intxDisabled() {
        return dmFailedStep != null;
    }

    /**
     * @return {@code "ok"}; {@code "<step>:<errno>"} for a failed attach, e.g. {@code "irq_permission:-EPERM"};
     *     or, for an attach that succeeded with INTx disabled by the device model,
     *     {@code "attached, INTx disabled by QEMU (bind_pt_irq:-EPERM)"}
     */
    public String label() {
        if (!ok()) {
            return failedStep.label() + ":" + Errno.name(rc);
        }
        return intxDisabled() ? "attached, INTx disabled by QEMU (" + dmFailedStep.label() + ":" + Errno.name(dmRc) + ")"
            : "ok";
    }
}
