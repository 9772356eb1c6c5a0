package io.irqsim.hv.domain;

/**
 * Told when an HVM-type domain's guest EOIs a level-triggered interrupt on one of its GSIs: the
 * point where Xen's {@code vioapic_update_EOI} calls {@code hvm_dpci_eoi} for passed-through
 * lines. A device model outside the hypervisor that drives a level line (the role of QEMU's
 * resample eventfd, or vfio-user's INTx unmask) learns here that the guest has serviced it.
 *
 * <p>Called on the machine thread, after Remote IRR was cleared and before a still-asserted line
 * is re-delivered; a listener may change line levels (e.g. lower or re-raise its own).
 */
@FunctionalInterface
public interface GsiEoiListener {

    /**
     * @param domain the domain whose guest sent the EOI
     * @param gsi the guest GSI of the pin whose Remote IRR the EOI cleared
     */
    void gsiEoi(Domain domain, int gsi);
}
