package io.irqsim.hv.policy;

import io.irqsim.hv.domain.Domain;

/**
 * Variation point 1 of the seed thread: what Xen does when the hardware domain writes a
 * redirection entry of its vIO-APIC ({@code vioapic_write_redirent}, the
 * {@code is_hardware_domain(d) && unmasked} branch).
 */
public interface HwdomGsiMapPolicy {

    /**
     * Called after the hardware domain's vIO-APIC stored a redirection-entry write.
     *
     * @param xen what the policy may ask Xen to do
     * @param hwdom the hardware domain
     * @param gsi the GSI of the entry
     * @param oldRte entry before the write
     * @param newRte entry after the write
     * @param topWord whether the high dword was written
     */
    void rteWritten(HwdomGsiMapper xen, Domain hwdom, int gsi, long oldRte, long newRte, boolean topWord);

    /** @return a short description for output */
    String describe();
}
