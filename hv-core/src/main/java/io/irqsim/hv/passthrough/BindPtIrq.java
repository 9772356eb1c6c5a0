package io.irqsim.hv.passthrough;

/**
 * {@code struct xen_domctl_bind_pt_irq} for {@code PT_IRQ_TYPE_PCI}: the target's pirq of the
 * machine interrupt and the virtual PCI device/INTx it drives in the guest.
 *
 * @param machineIrq a pirq of the target domain
 * @param bus virtual bus
 * @param device virtual device 0..31
 * @param intx 0..3
 */
public record BindPtIrq(int machineIrq, int bus, int device, int intx) {
}
