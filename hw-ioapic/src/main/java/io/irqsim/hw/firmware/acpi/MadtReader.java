package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.firmware.InterruptSourceOverride;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the Multiple APIC Description Table (signature {@code APIC}; ACPI 6.5, 5.2.12): after the
 * header, the local APIC address (offset 36) and flags (40, bit 0 PCAT_COMPAT), then entries of
 * {type, length}: processor local APIC (0), I/O APIC (1), interrupt source override (2), NMI
 * source (3), local APIC NMI (4), local APIC address override (5), local x2APIC (9) and local
 * x2APIC NMI (10). Other types are skipped by their length, as ACPICA's
 * {@code acpi_table_parse_madt} walkers do.
 */
public final class MadtReader {

    /**
     * A processor local APIC or local x2APIC structure.
     *
     * @param uid ACPI processor UID
     * @param apicId (x2)APIC id
     * @param enabled flags bit 0
     * @param onlineCapable flags bit 1 (ACPI 6.3+)
     * @param x2apic from a type-9 entry
     */
    public record LocalApic(long uid, long apicId, boolean enabled, boolean onlineCapable, boolean x2apic) {
    }

    /**
     * I/O APIC structure.
     *
     * @param id I/O APIC id
     * @param address MMIO base
     * @param gsiBase GSI of its pin 0
     */
    public record IoApic(int id, long address, int gsiBase) {
    }

    /**
     * NMI source structure.
     *
     * @param flags MPS INTI flags
     * @param gsi the GSI that is an NMI
     */
    public record NmiSource(int flags, int gsi) {
    }

    /**
     * Local APIC NMI or local x2APIC NMI structure.
     *
     * @param uid processor UID (0xFF or 0xFFFFFFFF: all processors)
     * @param flags MPS INTI flags
     * @param lint LINT input 0 or 1
     */
    public record LocalApicNmi(long uid, int flags, int lint) {
    }

    /** What Xen and Linux use when neither the header nor an override gives a local APIC address. */
    public static final long DEFAULT_LOCAL_APIC_ADDRESS = LocalApicRegisters.DEFAULT_BASE;

    /**
     * The decoded MADT.
     *
     * @param localApicAddress the 32-bit local APIC address field of the header (0: none given)
     * @param localApicAddressOverride the 64-bit address of the last local APIC address override
     *     (type 5), or -1 when the table has none
     * @param pcatCompat flags bit 0: dual 8259s installed
     * @param localApics local APIC and x2APIC entries in table order
     * @param ioApics I/O APICs in table order
     * @param overrides interrupt source overrides in table order
     * @param nmiSources NMI sources
     * @param localApicNmis local (x2)APIC NMIs
     */
    public record Madt(long localApicAddress, long localApicAddressOverride, boolean pcatCompat,
                       List<LocalApic> localApics, List<IoApic> ioApics, List<InterruptSourceOverride> overrides,
                       List<NmiSource> nmiSources, List<LocalApicNmi> localApicNmis) {
        /** Copies the lists. */
        public Madt {
            localApics = List.copyOf(localApics);
            ioApics = List.copyOf(ioApics);
            overrides = List.copyOf(overrides);
            nmiSources = List.copyOf(nmiSources);
            localApicNmis = List.copyOf(localApicNmis);
        }

        /**
         * Where the local APICs are, as Xen and Linux decide it from the MADT: the header's address
         * when it is not 0 ({@code xen/arch/x86/acpi/boot.c:acpi_parse_madt@RELEASE-4.20.0}, Linux
         * {@code arch/x86/kernel/acpi/boot.c:acpi_parse_madt@0141978ae75b}), else 0xFEE00000
         * ({@code APIC_DEFAULT_PHYS_BASE}); a type-5 override replaces it, the last one in the table
         * winning as every entry is walked ({@code acpi_parse_lapic_addr_ovr} in both, called from
         * Xen's {@code acpi_parse_madt_lapic_entries} and Linux's
         * {@code early_acpi_parse_madt_lapic_addr_ovr}). Both then map it ({@code mp_register_lapic_address},
         * {@code register_lapic_address}) unless the CPU runs in x2APIC mode, where the address is unused.
         *
         * @return the physical address of the local APIC page
         */
        public long lapicAddress() {
            if (localApicAddressOverride >= 0) {
                return localApicAddressOverride;
            }
            return localApicAddress != 0 ? localApicAddress : DEFAULT_LOCAL_APIC_ADDRESS;
        }

        /** @return which field {@link #lapicAddress} comes from */
        public LapicAddressSource lapicAddressSource() {
            return localApicAddressOverride >= 0 ? LapicAddressSource.OVERRIDE
                : localApicAddress != 0 ? LapicAddressSource.HEADER : LapicAddressSource.DEFAULT;
        }
    }

    /** Where the local APIC address comes from; {@link #json()} is its name in {@code platform --json}. */
    public enum LapicAddressSource {
        /** A type-5 Local APIC Address Override entry. */
        OVERRIDE,
        /** The MADT header's Local Interrupt Controller Address. */
        HEADER,
        /** Neither (the header says 0): 0xFEE00000. */
        DEFAULT;

        /** @return {@code override}, {@code header} or {@code default} */
        public String json() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private MadtReader() {
    }

    /**
     * @param t the {@code APIC} table
     * @return its entries
     * @throws AcpiInputException if an entry is shorter than its type needs or runs past the table
     */
    public static Madt read(final AcpiTable t) {
        final long lapicAddress = t.read(36, 4, "local APIC address");
        final long flags = t.read(40, 4, "flags");
        final List<LocalApic> lapics = new ArrayList<>();
        final List<IoApic> ioapics = new ArrayList<>();
        final List<InterruptSourceOverride> isos = new ArrayList<>();
        final List<NmiSource> nmis = new ArrayList<>();
        final List<LocalApicNmi> lnmis = new ArrayList<>();
        long lapicOverride = -1;
        final int end = t.bytes().length;
        int at = 44;
        while (at < end) {
            if (at + 2 > end) {
                throw AcpiInputException.at(t.label(), at, "a MADT entry header is cut off by the end of the table");
            }
            final int type = (int) t.read(at, 1, "entry type");
            final int len = (int) t.read(at + 1, 1, "entry length");
            if (len < 2) {
                throw AcpiInputException.at(t.label(), at, "MADT entry of type " + type + " has length " + len
                    + " (at least 2)");
            }
            if (at + len > end) {
                throw AcpiInputException.at(t.label(), at, "MADT entry of type " + type + " and length " + len
                    + " runs past the end of the " + end + "-byte table");
            }
            switch (type) {
                case 0 -> {
                    need(t, at, type, len, 8);
                    final long f = t.read(at + 4, 4, "flags");
                    lapics.add(new LocalApic(t.read(at + 2, 1, "uid"), t.read(at + 3, 1, "APIC id"), (f & 1) != 0,
                        (f & 2) != 0, false));
                }
                case 1 -> {
                    need(t, at, type, len, 12);
                    ioapics.add(new IoApic((int) t.read(at + 2, 1, "I/O APIC id"), t.read(at + 4, 4, "address"),
                        (int) t.read(at + 8, 4, "GSI base")));
                }
                case 2 -> {
                    need(t, at, type, len, 10);
                    isos.add(new InterruptSourceOverride((int) t.read(at + 2, 1, "bus"), (int) t.read(at + 3, 1, "source"),
                        (int) t.read(at + 4, 4, "GSI"), (int) t.read(at + 8, 2, "flags")));
                }
                case 3 -> {
                    need(t, at, type, len, 8);
                    nmis.add(new NmiSource((int) t.read(at + 2, 2, "flags"), (int) t.read(at + 4, 4, "GSI")));
                }
                case 4 -> {
                    need(t, at, type, len, 6);
                    lnmis.add(new LocalApicNmi(t.read(at + 2, 1, "uid"), (int) t.read(at + 3, 2, "flags"),
                        (int) t.read(at + 5, 1, "LINT")));
                }
                case 5 -> {
                    // xen/include/xen/acpi.h:BAD_MADT_ENTRY: shorter than the 12-byte structure is refused
                    need(t, at, type, len, 12);
                    lapicOverride = t.read(at + 4, 8, "local APIC address");
                    if (lapicOverride < 0) {
                        throw AcpiInputException.at(t.label(), at, String.format("MADT local APIC address override"
                            + " 0x%x is past the 63-bit physical address space", lapicOverride));
                    }
                }
                case 9 -> {
                    need(t, at, type, len, 16);
                    final long f = t.read(at + 8, 4, "flags");
                    lapics.add(new LocalApic(t.read(at + 12, 4, "uid"), t.read(at + 4, 4, "x2APIC id"), (f & 1) != 0,
                        (f & 2) != 0, true));
                }
                case 10 -> {
                    need(t, at, type, len, 12);
                    lnmis.add(new LocalApicNmi(t.read(at + 4, 4, "uid"), (int) t.read(at + 2, 2, "flags"),
                        (int) t.read(at + 8, 1, "LINT")));
                }
                default -> {
                    // other controllers (SAPIC, GIC, ...) and reserved types: not routing on x86
                }
            }
            at += len;
        }
        return new Madt(lapicAddress, lapicOverride, (flags & 1) != 0, lapics, ioapics, isos, nmis, lnmis);
    }

    private static void need(final AcpiTable t, final int at, final int type, final int len, final int min) {
        if (len < min) {
            throw AcpiInputException.at(t.label(), at, "MADT entry of type " + type + " has length " + len
                + ", the type needs " + min);
        }
    }
}
