package io.irqsim.guest.strategy;

import io.irqsim.guest.linux.PcistubVariant;
import io.irqsim.guest.toolstack.IrqFlow;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.policy.XenConfig;

/**
 * One design from the seed thread, runnable by name: the Xen side ({@link XenConfig}), the dom0
 * flavour, what pciback does on seizing a device, and how the toolstack handles the interrupt.
 *
 * @param name the name used on the command line
 * @param summary one line
 * @param xen the hypervisor's variation points
 * @param dom0Type PV or PVH dom0
 * @param pciback what {@code pcistub_init_device} adds
 * @param toolstack libxl's and the device model's interrupt flow
 * @param newInterface whether the design needs a hypercall or ioctl that did not exist at the time of the thread
 * @param threadSays what the thread says happens, and the reviewers' objection
 */
public record Strategy(String name, String summary, XenConfig xen, DomainType dom0Type, PcistubVariant pciback,
                       IrqFlow toolstack, boolean newInterface, String threadSays) {
}
