package io.irqsim.cli;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.acpi.AcpiFirmware;
import io.irqsim.hw.firmware.acpi.AcpiTable;
import io.irqsim.hw.firmware.acpi.MadtReader;
import io.irqsim.hw.firmware.acpi.PciRoutingReader;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code irqsim platform --firmware DUMP} prints: the local APIC address, the IO-APICs, overrides,
 * SCI, every {@code _PRT}, the link devices and the evaluations that needed a default, as text or as
 * JSON with the fields {@code localApic}, {@code ioapics}, {@code overrides}, {@code sci}, {@code prt},
 * {@code links}, {@code warnings}.
 */
final class FirmwareReport {

    private FirmwareReport() {
    }

    /** @return polarity bits 1:0 of MPS INTI flags as {@code conforms|high|low} ({@code reserved} for 10b) */
    static String polarity(final int flags) {
        return switch (flags & 3) {
            case 0 -> "conforms";
            case 1 -> "high";
            case 3 -> "low";
            default -> "reserved";
        };
    }

    /** @return trigger bits 3:2 of MPS INTI flags as {@code conforms|edge|level} ({@code reserved} for 10b) */
    static String trigger(final int flags) {
        return switch (flags >>> 2 & 3) {
            case 0 -> "conforms";
            case 1 -> "edge";
            case 3 -> "level";
            default -> "reserved";
        };
    }

    static String defaultedLine(final PciRoutingReader.Defaulted d) {
        return d.method() + " needed a default: read " + String.join(", ", d.fields())
            + " (OperationRegion fields, no hardware behind them) as 0";
    }

    static Map<String, Object> json(final AcpiFirmware fw) {
        final Map<String, Object> root = new LinkedHashMap<>();
        final MadtReader.Madt madt = fw.madt();
        final Map<String, Object> lapic = new LinkedHashMap<>();
        lapic.put("address", madt.lapicAddress());
        lapic.put("source", madt.lapicAddressSource().json());
        lapic.put("madtAddress", madt.localApicAddress());
        lapic.put("override", madt.localApicAddressOverride() < 0 ? null : madt.localApicAddressOverride());
        root.put("localApic", lapic);
        final List<Object> ioapics = new ArrayList<>();
        for (final AcpiFirmware.IoApic io : fw.ioapics()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", io.id());
            m.put("address", io.address());
            m.put("gsiBase", io.gsiBase());
            m.put("pins", io.pins());
            ioapics.add(m);
        }
        root.put("ioapics", ioapics);
        final List<Object> overrides = new ArrayList<>();
        for (final InterruptSourceOverride o : fw.madt().overrides()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("bus", o.bus());
            m.put("irq", o.source());
            m.put("gsi", o.gsi());
            m.put("polarity", polarity(o.flags()));
            m.put("trigger", trigger(o.flags()));
            overrides.add(m);
        }
        root.put("overrides", overrides);
        root.put("sci", fw.sci() < 0 ? null : fw.sci());
        final List<Object> prt = new ArrayList<>();
        for (final PciRoutingReader.Prt p : fw.routing().prt()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("bridge", p.bridge());
            m.put("device", p.device());
            m.put("pin", p.pin());
            if (p.isLink()) {
                m.put("link", p.link());
            } else {
                m.put("gsi", p.sourceIndex());
            }
            prt.add(m);
        }
        root.put("prt", prt);
        final List<Object> links = new ArrayList<>();
        for (final PciRoutingReader.Link l : fw.routing().links()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", l.path());
            m.put("possible", l.possible());
            m.put("current", l.current());
            m.put("trigger", l.trigger().label());
            m.put("polarity", l.polarity().label());
            m.put("shareable", l.shareable());
            links.add(m);
        }
        root.put("links", links);
        final List<String> warnings = new ArrayList<>(fw.warnings());
        fw.routing().defaulted().forEach(d -> warnings.add(defaultedLine(d)));
        root.put("warnings", warnings);
        return root;
    }

    static void text(final AcpiFirmware fw, final String source, final PrintWriter out) {
        out.println("irqsim: firmware from " + source);
        final StringBuilder tables = new StringBuilder();
        for (final AcpiTable t : fw.tables()) {
            tables.append(tables.length() == 0 ? "" : ", ").append(t.label());
        }
        out.println("tables: " + tables);
        final MadtReader.Madt madt = fw.madt();
        long enabled = madt.localApics().stream().filter(MadtReader.LocalApic::enabled).count();
        out.printf(Locale.ROOT, "MADT: local APIC address 0x%x, PCAT_COMPAT %d, %d local APIC entries (%d enabled,"
            + " %d x2APIC), %d NMI source(s), %d local APIC NMI(s)%n", madt.localApicAddress(), madt.pcatCompat() ? 1 : 0,
            madt.localApics().size(), enabled, madt.localApics().stream().filter(MadtReader.LocalApic::x2apic).count(),
            madt.nmiSources().size(), madt.localApicNmis().size());
        out.printf(Locale.ROOT, "local APIC at 0x%x (%s)%n", madt.lapicAddress(), switch (madt.lapicAddressSource()) {
            case OVERRIDE -> String.format(Locale.ROOT, "the type-5 local APIC address override, over the header's 0x%x",
                madt.localApicAddress());
            case HEADER -> "the MADT header";
            case DEFAULT -> "the header's address is 0: the architectural default";
        });
        for (final AcpiFirmware.IoApic io : fw.ioapics()) {
            out.printf(Locale.ROOT, "IO-APIC id %d at 0x%x: GSI %d-%d (%d pins)%n", io.id(), io.address(), io.gsiBase(),
                io.gsiBase() + io.pins() - 1, io.pins());
        }
        for (final InterruptSourceOverride o : madt.overrides()) {
            out.printf(Locale.ROOT, "override: bus %d IRQ %d -> GSI %d, polarity %s, trigger %s%n", o.bus(), o.source(),
                o.gsi(), polarity(o.flags()), trigger(o.flags()));
        }
        if (fw.fadt() != null) {
            out.printf(Locale.ROOT, "FADT: SCI_INT %d (GSI %d), IAPC_BOOT_ARCH 0x%04x %s%n", fw.sci(), fw.sciGsi(),
                fw.fadt().bootArch(), fw.fadt().bootArchFlags());
        }
        for (final PciRoutingReader.HostBridge h : fw.routing().hostBridges()) {
            out.printf(Locale.ROOT, "host bridge %s, bus %d%n", h.path(), h.bus());
        }
        String bridge = null;
        for (final PciRoutingReader.Prt p : fw.routing().prt()) {
            if (!p.bridge().equals(bridge)) {
                bridge = p.bridge();
                out.println(bridge + "._PRT:");
            }
            out.printf(Locale.ROOT, "  device %2d INT%c -> %s%n", p.device(), 'A' + p.pin(),
                p.isLink() ? p.link() + (p.sourceIndex() != 0 ? " index " + p.sourceIndex() : "")
                    : "GSI " + p.sourceIndex());
        }
        for (final PciRoutingReader.Link l : fw.routing().links()) {
            out.printf(Locale.ROOT, "link %s: possible %s, current %s, %s/%s%s%s%n", l.path(), l.possible(),
                l.current() == 0 ? "none" : Integer.toString(l.current()), l.trigger().label(), l.polarity().label(),
                l.shareable() ? ", shared" : "", l.extended() ? ", extended" : "");
        }
        for (final PciRoutingReader.Defaulted d : fw.routing().defaulted()) {
            out.println("default: " + defaultedLine(d));
        }
        for (final String w : fw.warnings()) {
            out.println("warning: " + w);
        }
    }
}
