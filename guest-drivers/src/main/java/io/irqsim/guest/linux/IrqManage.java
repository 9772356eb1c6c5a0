package io.irqsim.guest.linux;

import io.irqsim.guest.GuestEvent;
import io.irqsim.hv.Errno;

/**
 * The parts of kernel/irq/manage.c (read at Kingxukai/linux@9b44fff6) that end or pause an irq's
 * use once {@code request_irq} started it: {@code free_irq}, {@code disable_irq},
 * {@code enable_irq}, which ends with {@code check_irq_resend} ({@link IrqResend}). Not modelled:
 * {@code synchronize_irq} (irqsim's handlers run to completion before anything else does) and the
 * suspend paths.
 */
final class IrqManage {

    private IrqManage() {
    }

    /**
     * {@code free_irq} &rarr; {@code __free_irq}: the handler's action is removed ("Trying to free
     * already-free IRQ" if it has none); the last one going shuts the irq down with
     * {@code irq_shutdown_and_deactivate} &rarr; {@code irq_shutdown} (kernel/irq/chip.c@v6.12): if
     * started, the depth is set to 1 (kernels after v6.12 count it up instead, {@code desc->depth++},
     * as the copy first read here does), the chip shuts it down ({@link IrqBackend#shutdown}; a
     * native MSI irq is masked, {@code pci_msi_mask_irq}) and it is no longer started.
     */
    static String freeIrq(final LinuxKernel k, final int irq, final IrqHandler handler) {
        final LinuxIrq d = k.irqs.byIrq(irq);
        final int i = d == null ? -1 : d.handlers().indexOf(handler);
        if (i < 0) {
            k.log.log(k.actor, "free_irq(%d): Trying to free already-free IRQ %d", irq, irq);
            k.xen.trace().event(GuestEvent.FREE_IRQ, irq, d == null ? -1 : d.gsi(), -1);
            return null;
        }
        d.handlers().remove(i);
        final String name = d.names().remove(i);
        k.log.log(k.actor, "free_irq(%d, \"%s\")", irq, name);
        final boolean last = d.handlers().isEmpty() && d.isStarted();
        k.xen.trace().event(GuestEvent.FREE_IRQ, irq, d.gsi(), last ? 1 : 0);
        if (last) {
            d.setDisableDepth(1);
            if (d.isNativeMsi()) {
                k.irqMask(d);       // the PCI-MSI chip has no irq_shutdown: irq_shutdown masks
            } else {
                k.backend.shutdown(d);
            }
            d.setStarted(false);
        }
        return name;
    }

    /**
     * {@code disable_irq} &rarr; {@code __disable_irq}: the depth goes up; from 0, {@code irq_disable}
     * &rarr; {@code __irq_disable(desc, false)} (kernel/irq/chip.c): the chip's {@code irq_disable}
     * if it has one ({@link IrqBackend#disable}: the xen-pirq chip masks its channel), else the
     * disable is lazy and the next interrupt's flow handler masks.
     */
    static int disableIrq(final LinuxKernel k, final int irq) {
        final LinuxIrq d = k.irqs.byIrq(irq);
        if (d == null) {
            k.log.log(k.actor, "disable_irq(%d): no such irq", irq);
            return -Errno.EINVAL;
        }
        final int depth = d.disableDepth();
        d.setDisableDepth(depth + 1);
        if (depth == 0) {
            k.backend.disable(d);
        }
        return 0;
    }

    /**
     * {@code enable_irq} &rarr; {@code __enable_irq}: at depth 0 "Unbalanced enable for IRQ"; at 1,
     * {@code irq_startup(desc, IRQ_RESEND, IRQ_START_FORCE)} sets it to 0 and, the irq being started,
     * runs {@code irq_enable} ({@link IrqBackend#enable}; a native MSI irq is unmasked,
     * {@code pci_msi_unmask_irq}); above 1 it only goes down. At 1 on an irq that is not started
     * (the last {@code free_irq} shut it down, or it was never started), {@code irq_startup} starts it
     * ({@link LinuxKernel#startIrq}: a Xen pirq binds its event channel again), with no action: its
     * next interrupt is masked and EOI'd. Either way at 1 {@code check_irq_resend} follows
     * ({@link IrqResend}): an edge interrupt the flow handler masked while the irq was disabled is
     * sent again.
     */
    static int enableIrq(final LinuxKernel k, final int irq) {
        final LinuxIrq d = k.irqs.byIrq(irq);
        if (d == null) {
            k.log.log(k.actor, "enable_irq(%d): no such irq", irq);
            return -Errno.EINVAL;
        }
        final int depth = d.disableDepth();
        if (depth == 0) {
            k.log.log(k.actor, "enable_irq(%d): Unbalanced enable for IRQ %d", irq, irq);
            return -Errno.EINVAL;
        }
        if (depth == 1 && !d.isStarted()) {
            final int rc = k.startIrq(d);
            k.log.log(k.actor, "enable_irq(%d): irq_startup = %s", irq, Errno.name(rc));
            return 0;
        }
        d.setDisableDepth(depth - 1);
        if (depth == 1) {
            k.withInterruptsOff(() -> {
                k.irqEnable(d);
                IrqResend.checkIrqResend(k, d);     // irq_startup(desc, IRQ_RESEND, IRQ_START_FORCE)
                return 0;
            });
        }
        return 0;
    }
}
