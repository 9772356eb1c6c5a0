package io.irqsim.dm.vfiouser;

import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.hv.domain.Domain;

import java.io.IOException;

/**
 * What the VMM's MSI ({@link VfioUserMsi}) and MSI-X ({@link VfioUserMsix}) for a vfio-user
 * function share: the device's client, config space and INTx eventfd (armed again when the guest
 * turns the messages off), the {@link MsiInjector} that writes each message into the guest and
 * counts it, and what went wrong on the way.
 */
public abstract class VfioUserMessageIrq implements AutoCloseable {

    final ScenarioMachine machine;
    final VfioUserClient vfio;
    final VfioUserConfigSpace config;
    final Eventfd intx;
    final String socket;
    final MsiInjector injector;
    /** Why enabling, disabling or setting up a vector failed, or null; thrown by the next {@link #deliver}. */
    IOException failure;
    /** Times the guest enabled the messages (SET_IRQS with eventfds accepted). */
    long enables;

    VfioUserMessageIrq(final ScenarioMachine machine, final Domain guest, final VfioUserClient vfio,
                       final VfioUserConfigSpace config, final Eventfd intx, final String socket) {
        this.machine = machine;
        this.vfio = vfio;
        this.config = config;
        this.intx = intx;
        this.socket = socket;
        this.injector = new MsiInjector(machine, guest, config, socket);
    }

    /**
     * Waits for the server's vector 0 and has the guest take it, until the guest is done with
     * {@code count} of them.
     *
     * @param count interrupts
     * @param timeoutMillis wall-clock wait for each of the server's interrupts
     * @throws IOException if the guest did not turn the messages on, the server goes silent, or the
     *     guest does not finish one
     */
    public abstract void deliver(long count, int timeoutMillis) throws IOException;

    /** @return messages injected ({@code XEN_DMOP_inject_msi}) */
    public long injected() {
        return injector.injected();
    }

    /** @return of them, the ones the guest is done with (MSI: EOId, MSI-X: finished) */
    public long eois() {
        return injector.eois();
    }

    /** @return the vector of the last message the guest took, -1 before any */
    public int lastVector() {
        return injector.lastVector();
    }

    /** @return the pirq of the last message the guest took as an event ({@code XENFEAT_hvm_pirqs}), -1 before any */
    public int lastPirq() {
        return injector.lastPirq();
    }

    /** @return times the guest enabled the messages (SET_IRQS with eventfds accepted) */
    public long enables() {
        return enables;
    }

    /** @return why enabling, disabling or setting up a vector failed, or null */
    public IOException failure() {
        return failure;
    }

    /** Closes the eventfds (the client is the device's). */
    @Override
    public abstract void close();
}
