package io.irqsim.guest.linux;

/**
 * How a Linux kernel turns a GSI into a working interrupt: natively through its (emulated)
 * IO-APIC, or through Xen's pirqs in a PV domain. The architecture-specific half of
 * {@code acpi_register_gsi}, {@code request_irq}'s startup, {@code free_irq}'s shutdown,
 * {@code disable_irq} / {@code enable_irq}, and the EOI.
 */
public interface IrqBackend {

    /**
     * {@code acpi_register_gsi}'s back end.
     *
     * @param gsi GSI
     * @param level trigger
     * @param activeLow polarity
     * @return the Linux irq, or a negative errno
     */
    int registerGsi(int gsi, boolean level, boolean activeLow);

    /**
     * {@code acpi_unregister_gsi}'s back end: undoes one {@link #registerGsi}.
     *
     * @param gsi GSI
     */
    void unregisterGsi(int gsi);

    /**
     * Masks an irq ({@code mask_irq}): what the flow handler does to an interrupt with no action or
     * on a disabled irq.
     *
     * @param irq the irq
     */
    void mask(LinuxIrq irq);

    /**
     * The irq chip's {@code irq_disable}, which {@code irq_disable} (kernel/irq/chip.c@v6.12,
     * {@code __irq_disable}) calls at once when the chip has one; without one the disable is lazy
     * and the next interrupt's flow handler masks. The default is the chip without one (the
     * IO-APIC's).
     *
     * @param irq the irq being disabled
     */
    default void disable(final LinuxIrq irq) {
        // no irq_disable callback: lazy
    }

    /**
     * The chip's part of {@code irq_enable} (kernel/irq/chip.c@v6.12), which {@code enable_irq}
     * reaches when the disable depth drops to 0 on a started irq: the chip's {@code irq_enable} if
     * it has one, else {@code unmask_irq} (the chip's {@code irq_unmask} if the irq is masked).
     *
     * @param irq the irq being enabled
     */
    void enable(LinuxIrq irq);

    /**
     * {@code irq_shutdown} (kernel/irq/chip.c@v6.12), from {@code free_irq} when the last handler
     * goes: the chip's {@code irq_shutdown} if it has one, else {@code __irq_disable(desc, true)},
     * which masks ({@code mask_irq}). The default is the chip without one (the IO-APIC's); the
     * vector's release ({@code irq_domain_deactivate_irq}) is not modelled.
     *
     * @param irq the irq, started
     */
    default void shutdown(final LinuxIrq irq) {
        mask(irq);
    }

    /**
     * Starts an irq when its first handler is requested (unmask the pin / bind the event channel).
     *
     * @param irq the irq
     * @return 0 or a negative errno
     */
    int startup(LinuxIrq irq);

    /**
     * Whether MSIs are set up through Xen ({@code xen_setup_pci_msi}, arch/x86/pci/xen.c@v6.12:
     * Xen's MSI ops, a pirq per vector, {@code pci_msi_ignore_mask}) rather than natively (a vector
     * from the kernel's own allocator in the message, the LAPIC EOI'd). The default is native.
     *
     * @return whether {@link PciMsi} takes the Xen branch
     */
    default boolean xenPciMsi() {
        return false;
    }

    /**
     * Whether the irq's flow handler acknowledges it before its handlers run, with no EOI after them:
     * {@code handle_edge_irq}'s {@code irq_ack} (kernel/irq/chip.c@v6.12) on a chip whose ack does the
     * whole completion (a native edge irq's LAPIC EOI, a Xen edge or MSI pirq's {@code eoi_pirq}).
     * The default is the flow that completes after the handlers ({@code handle_fasteoi_irq}).
     *
     * @param irq the irq taken
     * @return whether {@link #ack} runs before the handlers instead of {@link #eoi} after them
     */
    default boolean acksBeforeHandlers(final LinuxIrq irq) {
        return false;
    }

    /**
     * The chip's {@code irq_ack}, before the handlers of an irq whose flow
     * {@link #acksBeforeHandlers}.
     *
     * @param irq the irq taken
     */
    default void ack(final LinuxIrq irq) {
        eoi(irq, -1);
    }

    /**
     * The chip's {@code irq_retrigger} ({@link IrqResend}): sends the irq's interrupt again.
     *
     * @param irq an edge irq the flow handler took with no action or disabled
     * @return whether it was sent (Linux: non-zero); {@code false} for a chip without one
     */
    default boolean retrigger(final LinuxIrq irq) {
        return false;
    }

    /**
     * {@code irq_settings_is_level} (kernel/irq/settings.h@v6.12): the descriptor's {@code IRQ_LEVEL}
     * flag, which {@code check_irq_resend} reads to leave a level irq alone. The IO-APIC domain sets it
     * from the pin's trigger ({@code mp_register_handler}, arch/x86/kernel/apic/io_apic.c@v6.12); the
     * default is the irq's trigger.
     *
     * @param irq the irq
     * @return whether Linux holds it as level-triggered for a resend
     */
    default boolean settingsIsLevel(final LinuxIrq irq) {
        return irq.isLevel();
    }

    /**
     * Completes an interrupt after its handlers ran (LAPIC EOI / {@code PHYSDEVOP_eoi}).
     *
     * @param irq the irq, or {@code null} for a vector nobody owns
     * @param vector the vector taken (native), -1 for an event
     */
    void eoi(LinuxIrq irq, int vector);


    /** @return a short name for output */
    String describe();
}
