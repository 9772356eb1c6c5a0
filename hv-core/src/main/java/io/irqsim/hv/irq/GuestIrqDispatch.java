package io.irqsim.hv.irq;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;

/**
 * Where {@code do_IRQ_guest} hands a physical interrupt for one bound guest: the passthrough
 * path ({@code hvm_do_IRQ_dpci}) or an event channel ({@code send_guest_pirq}).
 */
@FunctionalInterface
public interface GuestIrqDispatch {

    /**
     * @param d a bound domain
     * @param pirq its pirq for the IRQ
     */
    void dispatch(Domain d, Pirq pirq);
}
