package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.platform.MmioLayout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A real machine's firmware as irqsim reads it from {@code acpidump} output: the MADT, the FADT
 * and the namespace of the DSDT and SSDTs, evaluated the way Linux evaluates it to route PCI
 * interrupts. What the tables <em>claim</em>; the wiring built from it is {@link FirmwarePlatform}'s.
 *
 * @param tables every table read, in dump order
 * @param madt the MADT
 * @param fadt the FADT, or {@code null} if the dump has none
 * @param ioapics IO-APICs with their inferred pin counts, by GSI base
 * @param routing {@code _PRT}s, link devices and defaulted evaluations
 * @param namespace the loaded namespace
 * @param warnings checksum, AML and evaluation warnings
 */
public record AcpiFirmware(List<AcpiTable> tables, MadtReader.Madt madt, Fadt fadt, List<IoApic> ioapics,
                           PciRoutingReader.Result routing, AmlNamespace namespace, List<String> warnings) {

    /** Pins assumed for the last IO-APIC (the MADT does not carry the count; IOAPICVER does). */
    public static final int DEFAULT_PINS = 24;
    /** The most redirection entries an IO-APIC version register can announce. */
    static final int MAX_PINS = 240;

    /**
     * An IO-APIC as the firmware places it.
     *
     * @param id I/O APIC id
     * @param address MMIO base
     * @param gsiBase GSI of pin 0
     * @param pins pin count: inferred from the next IO-APIC's GSI base, else 24, unless supplied
     */
    public record IoApic(int id, long address, int gsiBase, int pins) {
    }

    /** Copies the lists. */
    public AcpiFirmware {
        tables = List.copyOf(tables);
        ioapics = List.copyOf(ioapics);
        warnings = List.copyOf(warnings);
    }

    /**
     * @param file {@code acpidump} text or binary tables
     * @return the firmware with no scenario-supplied values
     * @throws AcpiInputException if the input is unreadable or has no MADT
     */
    public static AcpiFirmware read(final Path file) {
        return read(file, Map.of(), Map.of());
    }

    /**
     * @param file {@code acpidump} text or binary tables
     * @param fields OperationRegion field values by path, for methods that read hardware
     * @param pins IO-APIC pin counts by IO-APIC id, overriding the inference
     * @return the firmware
     * @throws AcpiInputException if the input is unreadable or has no MADT
     */
    public static AcpiFirmware read(final Path file, final Map<String, Long> fields, final Map<Integer, Integer> pins) {
        final AcpiDumpReader.Result dump = AcpiDumpReader.read(file); // its errors name the file already
        try {
            return of(dump, fields, pins);
        } catch (final AcpiInputException e) {
            throw new AcpiInputException(file + ": " + e.getMessage()); // no MADT, a bad MADT entry: which file
        }
    }

    /**
     * @param dump tables already read
     * @param fields OperationRegion field values by path
     * @param pins IO-APIC pin counts by id
     * @return the firmware
     * @throws AcpiInputException if there is no MADT
     */
    public static AcpiFirmware of(final AcpiDumpReader.Result dump, final Map<String, Long> fields,
                                  final Map<Integer, Integer> pins) {
        final List<String> warnings = new ArrayList<>(dump.warnings());
        AcpiTable apic = null;
        AcpiTable facp = null;
        AcpiTable dsdt = null;
        final List<AcpiTable> ssdts = new ArrayList<>();
        for (final AcpiTable t : dump.tables()) {
            switch (t.signature()) {
                case "APIC" -> {
                    if (apic == null) {
                        apic = t;
                    } else {
                        warnings.add("a second MADT (APIC) is in the dump; using the first, as the XSDT order is unknown");
                    }
                }
                case "FACP" -> facp = facp == null ? t : facp;
                case "DSDT" -> dsdt = dsdt == null ? t : dsdt;
                case "SSDT" -> ssdts.add(t);
                default -> {
                    // HPET, MCFG, DMAR, vendor tables: not interrupt routing
                }
            }
        }
        if (apic == null) {
            throw new AcpiInputException("the dump has no MADT (APIC table): irqsim needs it for the IO-APICs"
                + " and interrupt source overrides");
        }
        final MadtReader.Madt madt = MadtReader.read(apic);
        for (final MadtReader.IoApic io : madt.ioApics()) {
            // Xen's ioapic_init_mappings walks the IO-APICs in table order and stops at the first bogus address
            if (MmioLayout.bogusIoApicAddress(io.address())) {
                warnings.add(MmioLayout.bogusIoApicMessage(io.id(), io.address()) + "; run, compare, bench and serve"
                    + " refuse this firmware");
                break;
            }
        }
        final Fadt fadt = facp == null ? null : Fadt.read(facp);
        if (fadt == null) {
            warnings.add("the dump has no FADT (FACP table): no SCI");
        }
        final AmlInterpreter aml = new AmlInterpreter(fields);
        if (dsdt == null) {
            warnings.add("the dump has no DSDT: no _PRT or link devices");
        } else {
            aml.load(dsdt);
        }
        for (final AcpiTable t : ssdts) {
            aml.load(t);
        }
        final PciRoutingReader.Result routing = PciRoutingReader.read(aml);
        warnings.addAll(aml.warnings());
        warnings.addAll(routing.warnings());
        final List<IoApic> ioapics = cover(ioapics(madt, pins), routing, pins, warnings);
        return new AcpiFirmware(dump.tables(), madt, fadt, ioapics, routing, aml.namespace(), warnings);
    }

    /**
     * Grows the last IO-APIC to the highest GSI a {@code _PRT} or link device names, when its pin
     * count was only assumed: firmware knows its IO-APICs' sizes, the MADT just does not say them.
     */
    private static List<IoApic> cover(final List<IoApic> ioapics, final PciRoutingReader.Result routing,
                                      final Map<Integer, Integer> pins, final List<String> warnings) {
        if (ioapics.isEmpty()) {
            return ioapics;
        }
        long max = -1;
        for (final PciRoutingReader.Prt p : routing.prt()) {
            if (!p.isLink()) {
                max = Math.max(max, p.sourceIndex());
            }
        }
        for (final PciRoutingReader.Link l : routing.links()) {
            if (l.extended()) {
                for (final int g : l.possible()) {
                    max = Math.max(max, g);
                }
            }
        }
        final IoApic last = ioapics.get(ioapics.size() - 1);
        if (max < last.gsiBase() + last.pins() || pins.containsKey(last.id()) || max >= last.gsiBase() + MAX_PINS) {
            return ioapics;
        }
        final List<IoApic> out = new ArrayList<>(ioapics);
        final int n = (int) (max - last.gsiBase() + 1);
        out.set(out.size() - 1, new IoApic(last.id(), last.address(), last.gsiBase(), n));
        warnings.add(String.format("IO-APIC id %d: the firmware routes GSI %d, past the %d pins assumed;"
            + " assuming %d pins (GSI %d-%d)", last.id(), max, last.pins(), n, last.gsiBase(), max));
        return out;
    }

    private static List<IoApic> ioapics(final MadtReader.Madt madt, final Map<Integer, Integer> pins) {
        final List<MadtReader.IoApic> sorted = new ArrayList<>(madt.ioApics());
        sorted.sort(Comparator.comparingInt(MadtReader.IoApic::gsiBase));
        final List<IoApic> out = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            final MadtReader.IoApic io = sorted.get(i);
            int n = DEFAULT_PINS;
            if (i + 1 < sorted.size()) {
                final long gap = (long) sorted.get(i + 1).gsiBase() - io.gsiBase();
                if (gap > 0 && gap <= MAX_PINS) {
                    n = (int) gap;
                }
            }
            out.add(new IoApic(io.id(), io.address(), io.gsiBase(), pins.getOrDefault(io.id(), n)));
        }
        return out;
    }

    /** @return the SCI's interrupt as the FADT gives it, or -1 */
    public int sci() {
        return fadt == null ? -1 : fadt.sciInt();
    }

    /** @return the SCI's GSI after the MADT's overrides (ACPI 6.5, 5.2.12.5), or -1 */
    public int sciGsi() {
        if (fadt == null) {
            return -1;
        }
        for (final InterruptSourceOverride o : madt.overrides()) {
            if (o.source() == fadt.sciInt()) {
                return o.gsi();
            }
        }
        return fadt.sciInt();
    }

    /** @return the override naming the SCI, or {@code null} */
    public InterruptSourceOverride sciOverride() {
        for (final InterruptSourceOverride o : madt.overrides()) {
            if (fadt != null && o.source() == fadt.sciInt()) {
                return o;
            }
        }
        return null;
    }
}
