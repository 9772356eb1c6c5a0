package io.irqsim.hw.platform;

import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApicRegisters;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The fixed MMIO windows of a machine described by a {@link PlatformSpec}, and the first two of them
 * that overlap. A CPU's view of physical memory ({@link io.irqsim.hw.mmio.MmioBus}) holds one device per
 * address, so a description whose windows overlap builds no machine; this says which windows and where,
 * before anything is mapped. The windows:
 * <ul>
 *   <li>the local APIC page, {@link LocalApicRegisters#PAGE_SIZE} bytes at {@link PlatformSpec#lapicAddress()}
 *       ({@link LocalApicRegisters#DEFAULT_BASE} unless the firmware's MADT moved it), in every CPU's view;</li>
 *   <li>each IO-APIC's register window, {@link IoApicRegisters#WINDOW_SIZE} bytes at its address;</li>
 *   <li>the PCI BAR window: firmware gives BAR0 of every PCI endpoint with an interrupt pin (the devices
 *       irqsim puts a device model behind) a {@link #BAR_SLOT_SIZE} slot, from {@link #BAR_WINDOW_BASE} up,
 *       in PCI order (bus, then device and function).</li>
 * </ul>
 */
public final class MmioLayout {

    /** Where firmware places the first BAR: the bottom of the 32-bit hole's chipset area. */
    public static final long BAR_WINDOW_BASE = 0xFE00_0000L;
    /** The slot each BAR0 gets: 64 KiB, aligned, so any BAR up to 64 KiB fits naturally aligned. */
    public static final long BAR_SLOT_SIZE = 0x1_0000L;
    /**
     * BAR slots and IO-APIC windows lie below 4 GiB (32-bit BARs, the IO-APIC addresses the MADT can hold); the
     * local APIC page may lie above it when a MADT local APIC address override (64 bits) puts it there.
     */
    public static final long ADDRESS_LIMIT = 0x1_0000_0000L;
    /**
     * The most GSIs a machine may have: Xen's default {@code max_gsi_irqs} ({@code PAGE_SIZE} when
     * {@code nr_irqs} is not given; xen/arch/x86/io_apic.c:ioapic_init@RELEASE-4.20.0). Xen ignores GSIs
     * above it ("Limiting to N GSI IRQs"); irqsim refuses a description that has any.
     */
    public static final int MAX_GSIS = 4096;

    /** What a window belongs to. */
    public enum Kind {
        /** the local APIC page */
        LAPIC,
        /** an IO-APIC's register window; {@link Window#index()} is its index in {@link PlatformSpec#ioapics()} */
        IOAPIC,
        /** a BAR slot; {@link Window#index()} is its device's index in {@link PlatformSpec#pci()} */
        BAR
    }

    /**
     * One window.
     *
     * @param kind what it belongs to
     * @param index the IO-APIC's or PCI device's index in the description, 0 for the LAPIC
     * @param base first address
     * @param length length in bytes
     * @param name what a user calls it, e.g. {@code IO-APIC id 2}
     */
    public record Window(Kind kind, int index, long base, long length, String name) {

        /** @return the last address */
        public long last() {
            return base + length - 1;
        }

        /**
         * @param o another window
         * @return whether they share an address
         */
        public boolean overlaps(final Window o) {
            return base <= o.last() && o.base <= last();
        }

        /** @return e.g. {@code IO-APIC id 2's register window 0xfec00000-0xfec000ff} */
        public String describe() {
            return String.format(Locale.ROOT, "%s 0x%08x-0x%08x", name, base, last());
        }
    }

    /**
     * Two windows that share an address.
     *
     * @param window the window that is refused: an IO-APIC's, or the BAR slot that runs into another window
     * @param other the window it overlaps
     * @param barWindow the whole PCI BAR window when {@code other} (or {@code window}) is a BAR slot, else {@code null}
     */
    public record Overlap(Window window, Window other, Window barWindow) {

        /** @return one sentence naming both ranges */
        public String message() {
            final StringBuilder sb = new StringBuilder(window.describe()).append(" overlaps ").append(other.describe());
            if (barWindow != null) {
                final long devices = barWindow.length() / BAR_SLOT_SIZE;
                sb.append(String.format(Locale.ROOT, " (the PCI BAR window 0x%08x-0x%08x: %d KiB for BAR0 of each of the"
                    + " %d PCI device%s with an interrupt pin)", barWindow.base(), barWindow.last(), BAR_SLOT_SIZE / 1024,
                    devices, devices == 1 ? "" : "s"));
            }
            return sb.toString();
        }
    }

    private MmioLayout() {
    }

    /**
     * @param spec a description
     * @return its local APIC page
     */
    public static Window lapic(final PlatformSpec spec) {
        return lapic(spec.lapicAddress());
    }

    private static Window lapic(final long base) {
        return new Window(Kind.LAPIC, 0, base, LocalApicRegisters.PAGE_SIZE, "the local APIC page");
    }

    /**
     * @param spec a description
     * @param index an IO-APIC's index in it
     * @return that IO-APIC's register window
     */
    public static Window ioapic(final PlatformSpec spec, final int index) {
        final PlatformSpec.IoApicSpec s = spec.ioapics().get(index);
        return new Window(Kind.IOAPIC, index, s.address(), IoApicRegisters.WINDOW_SIZE,
            "IO-APIC id " + s.id() + "'s register window");
    }

    /**
     * The BAR slots firmware assigns, in the order it assigns them.
     *
     * @param spec a description
     * @return one slot per PCI endpoint with an interrupt pin, from {@link #BAR_WINDOW_BASE} up
     */
    public static List<Window> barSlots(final PlatformSpec spec) {
        final List<Integer> order = new ArrayList<>();
        for (int i = 0; i < spec.pci().size(); i++) {
            final PlatformSpec.PciDeviceSpec d = spec.pci().get(i);
            if (!d.isBridge() && d.interruptPin() != 0) {
                order.add(i);
            }
        }
        // the order Platform.buildPci adds them to the PCI root in, which is the order ScenarioMachine assigns in
        order.sort(Comparator.comparingInt((Integer i) -> spec.pci().get(i).bdf().bus())
            .thenComparing(i -> spec.pci().get(i).bdf()));
        final List<Window> out = new ArrayList<>();
        for (int k = 0; k < order.size(); k++) {
            final PlatformSpec.PciDeviceSpec d = spec.pci().get(order.get(k));
            out.add(new Window(Kind.BAR, order.get(k), BAR_WINDOW_BASE + k * BAR_SLOT_SIZE, BAR_SLOT_SIZE,
                "the BAR0 slot of " + d.bdf() + (d.name().equals(d.bdf().toString()) ? "" : " (" + d.name() + ")")));
        }
        return out;
    }

    /**
     * @param spec a description
     * @return the first overlap, in description order: each IO-APIC against the IO-APICs before it, the
     *     local APIC page and the BAR slots; then each BAR slot against the local APIC page and the 4 GiB
     *     limit; {@code null} if none overlap
     */
    public static Overlap firstOverlap(final PlatformSpec spec) {
        final List<Window> bars = barSlots(spec);
        final Window barWindow = bars.isEmpty() ? null : new Window(Kind.BAR, -1, BAR_WINDOW_BASE,
            bars.size() * BAR_SLOT_SIZE, "the PCI BAR window");
        final Window lapic = lapic(spec);
        final List<Window> ioapics = new ArrayList<>();
        for (int i = 0; i < spec.ioapics().size(); i++) {
            final Window io = ioapic(spec, i);
            for (final Window earlier : ioapics) {
                if (io.overlaps(earlier)) {
                    return new Overlap(io, earlier, null);
                }
            }
            if (io.overlaps(lapic)) {
                return new Overlap(io, lapic, null);
            }
            if (barWindow != null && io.overlaps(barWindow)) {
                for (final Window bar : bars) {
                    if (io.overlaps(bar)) {
                        return new Overlap(io, bar, barWindow);
                    }
                }
            }
            ioapics.add(io);
        }
        final Window top = new Window(Kind.LAPIC, 0, ADDRESS_LIMIT, 1, "the 4 GiB limit of 32-bit BARs");
        for (final Window bar : bars) {
            if (bar.overlaps(lapic)) {
                return new Overlap(bar, lapic, barWindow);
            }
            if (bar.last() >= ADDRESS_LIMIT) {
                return new Overlap(bar, top, barWindow);
            }
        }
        return null;
    }

    /**
     * The alignment Xen demands of an IO-APIC's address before it maps it: 1 KiB
     * ({@code IS_ALIGNED(ioapic_phys, KB(1))} in {@code xen/arch/x86/io_apic.c:ioapic_init_mappings@RELEASE-4.20.0}).
     */
    public static final long IOAPIC_ALIGNMENT = 0x400L;

    /**
     * Xen's check of each IO-APIC's address, in description order, as {@code ioapic_init_mappings}
     * ({@code xen/arch/x86/io_apic.c@RELEASE-4.20.0}) makes it before mapping the IO-APICs: an address of 0 or
     * one not {@link #IOAPIC_ALIGNMENT}-aligned is "bogus", and Xen then disables IO-APIC support altogether
     * ({@code skip_ioapic_setup}, {@code smp_found_config} cleared, the loop left): every interrupt would go
     * through the 8259 PIC, 16 GSIs. irqsim models no 8259 and refuses such a machine.
     *
     * @param spec a description
     * @return the index of the first IO-APIC whose address Xen calls bogus, or -1
     */
    public static int firstBogusIoApicAddress(final PlatformSpec spec) {
        for (int i = 0; i < spec.ioapics().size(); i++) {
            if (bogusIoApicAddress(spec.ioapics().get(i).address())) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param address an IO-APIC's MMIO base
     * @return whether Xen's {@code ioapic_init_mappings} calls it bogus: 0 or not 1 KiB aligned
     */
    public static boolean bogusIoApicAddress(final long address) {
        return address == 0 || (address & (IOAPIC_ALIGNMENT - 1)) != 0;
    }

    /**
     * @param id the IO-APIC's id
     * @param address its bogus address
     * @return one sentence saying what Xen does with it
     */
    public static String bogusIoApicMessage(final int id, final long address) {
        return String.format(Locale.ROOT, "IO-APIC id %d's address 0x%08x is %s: Xen says \"bogus IO-APIC address"
            + " found, disabling IO-APIC support\" (ioapic_init_mappings) and would take every interrupt through the"
            + " 8259 PIC, which irqsim does not model", id, address, address == 0 ? "0" : "not 1 KiB aligned");
    }

    /**
     * The GSI limit, for each IO-APIC in description order.
     *
     * @param spec a description
     * @return the index of the first IO-APIC with a GSI at or above {@link #MAX_GSIS}, or -1
     */
    public static int firstIoApicPastGsiLimit(final PlatformSpec spec) {
        for (int i = 0; i < spec.ioapics().size(); i++) {
            final PlatformSpec.IoApicSpec s = spec.ioapics().get(i);
            if ((long) s.gsiBase() + s.pins() > MAX_GSIS) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param spec a description
     * @param index an IO-APIC past the GSI limit
     * @return one sentence saying so
     */
    public static String gsiLimitMessage(final PlatformSpec spec, final int index) {
        final PlatformSpec.IoApicSpec s = spec.ioapics().get(index);
        return String.format(Locale.ROOT, "IO-APIC id %d's GSIs %d..%d go past GSI %d: irqsim models at most %d GSIs,"
            + " Xen's default max_gsi_irqs (it ignores the GSIs above)", s.id(), s.gsiBase(),
            (long) s.gsiBase() + s.pins() - 1, MAX_GSIS - 1, MAX_GSIS);
    }
}
