package io.irqsim.guest.linux;

import io.irqsim.hw.firmware.AcpiTables;
import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.PciLinkDevice;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Linux's PCI interrupt link driver (drivers/acpi/pci_link.c@v6.12): chooses an interrupt for a
 * link device from its {@code _PRS} (as {@link #possible} reads it), preferring the current
 * {@code _CRS} and otherwise the possible interrupt with the lowest penalty (IO-APIC mode
 * balances), sets it with {@code _SRS}, and reports the trigger and polarity from the link's
 * resource descriptor.
 *
 * <p>Penalties follow Linux's {@code PIRQ_PENALTY_*} scale and its ISA table
 * ({@code acpi_isa_irq_penalty}): timer, keyboard and cascade are never used; other legacy ISA
 * IRQs are "typical" or "used"; an interrupt is penalised by the links already using it
 * ({@code PIRQ_PENALTY_PCI_USING}) and by every link able to use it ({@code PIRQ_PENALTY_PCI_POSSIBLE}
 * divided by the size of that link's {@code _PRS}: {@code acpi_irq_penalty_init} for ISA IRQs,
 * {@code acpi_irq_pci_sharing_penalty} above 15), and the SCI's ISA IRQ ({@link #sciIrq}) by the SCI
 * ({@code acpi_penalize_sci_irq}: {@code PIRQ_PENALTY_PCI_USING} if the SCI is level / active-low,
 * {@code PIRQ_PENALTY_ISA_ALWAYS}, never usable, otherwise).
 *
 * <p>{@code acpi_pci_link_free_irq} returns the link's active interrupt and changes nothing: its
 * {@code refcnt--} is compiled only under {@code FUTURE_USE}, so a link is never released or
 * {@code _DIS}abled once allocated.
 *
 * <p>One deliberate difference: "using" means set up by this driver. Linux's
 * {@code acpi_irq_pci_sharing_penalty} also counts a link's boot {@code _CRS}, its own included, so
 * in IO-APIC mode it moves a GSI link off its {@code _CRS} whenever another possible GSI is free;
 * irqsim's wiring does not follow {@code _SRS}, so here a link keeps a valid {@code _CRS} unless a
 * link set up earlier uses it.
 */
public final class AcpiPciLink {

    /** {@code PIRQ_PENALTY_PCI_POSSIBLE}. */
    public static final int PENALTY_PCI_POSSIBLE = 16 * 16;
    /** {@code PIRQ_PENALTY_PCI_USING}. */
    public static final int PENALTY_PCI_USING = 16 * 16 * 16;
    /** {@code PIRQ_PENALTY_ISA_TYPICAL}. */
    public static final int PENALTY_ISA_TYPICAL = 16 * 16 * 16 * 16;
    /** {@code PIRQ_PENALTY_ISA_USED}. */
    public static final int PENALTY_ISA_USED = 16 * 16 * 16 * 16 * 16;
    /** {@code PIRQ_PENALTY_ISA_ALWAYS}: an IRQ a link may never get. */
    public static final int PENALTY_ISA_ALWAYS = 16 * 16 * 16 * 16 * 16 * 16;

    private static final int[] ISA_PENALTY = {
        PENALTY_ISA_ALWAYS, PENALTY_ISA_ALWAYS, PENALTY_ISA_ALWAYS, PENALTY_ISA_TYPICAL,
        PENALTY_ISA_TYPICAL, PENALTY_ISA_TYPICAL, PENALTY_ISA_TYPICAL, PENALTY_ISA_TYPICAL,
        PENALTY_ISA_TYPICAL, 0, 0, 0, PENALTY_ISA_USED, PENALTY_ISA_USED, PENALTY_ISA_USED, PENALTY_ISA_USED};

    /**
     * {@code ACPI_PCI_LINK_MAX_POSSIBLE} ({@code drivers/acpi/pci_link.c@v6.12}): the interrupts of
     * {@code _PRS} that {@code acpi_pci_link_check_possible} keeps.
     */
    static final int MAX_POSSIBLE = 16;

    /** The result of an allocation. */
    public record Allocation(int irq, PciLinkDevice link) {
    }

    private static final class State {
        boolean initialized;
        int refcnt;
        int active;
        final List<Integer> possible = new ArrayList<>();
    }

    private final AcpiTables firmware;
    private final boolean balance;
    private final Map<String, State> states = new HashMap<>();

    /**
     * @param firmware the ACPI tables
     * @param ioapicMode IO-APIC interrupt model (Linux then balances: {@code acpi_irq_balance})
     */
    public AcpiPciLink(final AcpiTables firmware, final boolean ioapicMode) {
        this.firmware = firmware;
        this.balance = ioapicMode;
    }

    /**
     * {@code acpi_sci_ioapic_setup}'s trigger (arch/x86/kernel/acpi/boot.c@v6.12): level unless the
     * SCI's interrupt source override says edge; an override that conforms to the bus, or none,
     * means level for the SCI ({@code if (trigger == 0) trigger = 3}), not ISA's edge.
     *
     * @param firmware ACPI tables
     * @return whether the SCI is level-triggered
     */
    public static boolean sciLevel(final AcpiTables firmware) {
        return (sciFlags(firmware) & InterruptSourceOverride.TRIGGER_LEVEL) != InterruptSourceOverride.TRIGGER_EDGE;
    }

    /**
     * {@code acpi_sci_ioapic_setup}'s polarity: active-low unless the override says high
     * ({@code if (polarity == 0) polarity = 3}).
     *
     * @param firmware ACPI tables
     * @return whether the SCI is active-low
     */
    public static boolean sciActiveLow(final AcpiTables firmware) {
        return (sciFlags(firmware) & InterruptSourceOverride.POLARITY_LOW) != InterruptSourceOverride.POLARITY_HIGH;
    }

    /**
     * {@code sci_irq} of {@code acpi_penalize_sci_irq} (drivers/acpi/pci_link.c@v6.12): the
     * {@code bus_irq} {@code acpi_sci_ioapic_setup} (arch/x86/kernel/acpi/boot.c@v6.12) is called
     * with, i.e. the FADT's SCI interrupt (the override's source IRQ), not the GSI it is moved to.
     *
     * @param firmware ACPI tables
     * @return the SCI's ISA IRQ (its GSI if no override moves it)
     */
    public static int sciIrq(final AcpiTables firmware) {
        final InterruptSourceOverride iso = firmware.madt().overrideTo(firmware.sciGsi());
        return iso == null ? firmware.sciGsi() : iso.source();
    }

    private static int sciFlags(final AcpiTables firmware) {
        final InterruptSourceOverride iso = firmware.madt().overrideTo(firmware.sciGsi());
        return iso == null ? InterruptSourceOverride.CONFORMS : iso.flags();
    }

    /**
     * {@code acpi_pci_link_free_irq} (drivers/acpi/pci_link.c@v6.12), from
     * {@code acpi_pci_irq_disable}: the link's active interrupt, or -1 if the link was never
     * allocated. The reference count is not decremented (that line is under {@code FUTURE_USE}),
     * so the link is not {@code _DIS}abled and keeps its interrupt.
     *
     * @param name link device name
     * @return the active interrupt, or -1
     */
    public int freeIrq(final String name) {
        final State s = states.get(name);
        if (firmware.link(name) == null || s == null || !s.initialized) {
            return -1; // "Invalid link device" / "Link isn't initialized"
        }
        return s.active;
    }

    /**
     * {@code acpi_pci_link_allocate_irq(handle, index, &trigger, &polarity, &name)}.
     *
     * @param name link device name
     * @param index resource index (must be 0)
     * @return the interrupt and the link, or {@code null} (Linux's -1) with no state change
     */
    public Allocation allocateIrq(final String name, final int index) {
        final PciLinkDevice link = firmware.link(name);
        if (link == null || index != 0) {
            return null;
        }
        final State s = states.computeIfAbsent(name, n -> initState(link));
        if (!s.initialized) {
            if (!allocate(link, s)) {
                return null;
            }
        } else if (s.refcnt == 0) {
            link.srs(s.active); // re-apply the active setting
        }
        if (s.active == 0) {
            return null; // "Link active IRQ is 0!"
        }
        s.refcnt++;
        return new Allocation(s.active, link);
    }

    private static State initState(final PciLinkDevice link) {
        final State s = new State();
        s.possible.addAll(possible(link));
        // the active IRQ read from _CRS when the link was added; dropped if _PRS does not list it
        s.active = s.possible.contains(link.crs()) ? link.crs() : 0;
        return s;
    }

    /**
     * {@code acpi_pci_link_check_possible} (drivers/acpi/pci_link.c@v6.12): the first
     * {@value #MAX_POSSIBLE} {@code _PRS} interrupts, each stored at its own index but counted only
     * if non-zero, so a 0 in {@code _PRS} leaves a 0 in the list and pushes the last one out.
     *
     * @param link the link
     * @return {@code possible[0 .. possible_count)}
     */
    static List<Integer> possible(final PciLinkDevice link) {
        final int[] slots = new int[MAX_POSSIBLE];
        int count = 0;
        final List<Integer> prs = link.prs();
        for (int i = 0; i < prs.size() && i < MAX_POSSIBLE; i++) {
            if (prs.get(i) == 0) {
                continue; // "Invalid _PRS IRQ 0"
            }
            slots[i] = prs.get(i);
            count++;
        }
        final List<Integer> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(slots[i]);
        }
        return out;
    }

    private boolean allocate(final PciLinkDevice link, final State s) {
        if (s.possible.isEmpty()) {
            return false; // Linux would read possible[-1]; irqsim fails as "No IRQ available"
        }
        int irq = s.active != 0 ? s.active : s.possible.get(s.possible.size() - 1);
        if (balance || s.active == 0) {
            for (int i = s.possible.size() - 1; i >= 0; i--) {
                if (penalty(s.possible.get(i)) < penalty(irq)) {
                    irq = s.possible.get(i);
                }
            }
        }
        if (penalty(irq) >= PENALTY_ISA_ALWAYS) {
            return false; // "No IRQ available"
        }
        if (!link.srs(irq)) {
            return false;
        }
        s.active = irq; // if the BIOS reports another value on re-reading _CRS, Linux keeps the one it asked for
        s.initialized = true;
        return true;
    }

    /**
     * {@code acpi_irq_get_penalty} (drivers/acpi/pci_link.c@v6.12).
     *
     * @param irq an interrupt
     * @return its penalty
     */
    public int penalty(final int irq) {
        int p = irq < 16 ? ISA_PENALTY[irq] : 0;
        // every link device firmware has (Linux's acpi_link_list), not only those allocated so far
        for (final PciLinkDevice link : firmware.links()) {
            final State s = states.get(link.name());
            if (s != null && s.initialized && s.active == irq) {
                // ISA: acpi_pci_link_allocate adds PCI_USING to acpi_isa_irq_penalty[active];
                // above 15: acpi_irq_pci_sharing_penalty
                p += PENALTY_PCI_USING;
            }
            final List<Integer> possible = s != null ? s.possible : possible(link);
            for (final int q : possible) {
                if (q == irq) {
                    // ISA: acpi_irq_penalty_init; above 15: acpi_irq_pci_sharing_penalty
                    p += PENALTY_PCI_POSSIBLE / possible.size();
                }
            }
        }
        if (irq == sciIrq(firmware)) {
            // acpi_penalize_sci_irq: a SCI that is not level / active-low makes its IRQ unusable
            p += sciLevel(firmware) && sciActiveLow(firmware) ? PENALTY_PCI_USING : PENALTY_ISA_ALWAYS;
        }
        return p;
    }

    /**
     * @param name link name
     * @return how many devices use the link ({@code refcnt}), 0 if never allocated
     */
    public int refcount(final String name) {
        final State s = states.get(name);
        return s == null ? 0 : s.refcnt;
    }
}
