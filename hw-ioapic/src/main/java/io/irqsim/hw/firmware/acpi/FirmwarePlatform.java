package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.InterruptSourceOverride;
import io.irqsim.hw.firmware.PrtEntry;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.wire.WireKind;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A machine built from a real machine's firmware: the MADT's IO-APICs (version 0x20; a 4-bit
 * IOAPICID, or 8 bits for an id above 15: {@link PlatformSpec.IoApicSpec#idBitsFor}) and enabled CPUs, its local
 * APIC address (header, else 0xFEE00000, a type-5 override winning: {@link MadtReader.Madt#lapicAddress};
 * Xen {@code xen/arch/x86/mpparse.c:mp_register_lapic_address@RELEASE-4.20.0} maps the LAPIC there, irqsim's
 * Xen running the LAPICs in xAPIC mode), its interrupt source overrides, the FADT's SCI, every {@code _PRT} whose bus is known and the link
 * devices. The PCI devices come from the scenario. The real wiring follows what the firmware
 * claims: ISA IRQs go where the overrides say (else to the same GSI; a low-polarity override or the
 * SCI makes the line a shared active-low one), and each root-bus slot and pin the host bridge's
 * {@code _PRT} names reaches the GSI the entry names (for a link device: its current interrupt,
 * else the last possible one, as {@code acpi_pci_link_allocate} picks it without penalties).
 */
public final class FirmwarePlatform {

    /** The built description and what did not fit. */
    public record Result(PlatformSpec spec, List<String> warnings) {
        /** Copies the list. */
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    private FirmwarePlatform() {
    }

    /**
     * @param fw the firmware
     * @param scenario the scenario's platform, for its PCI devices, EOI-broadcast and APICv settings
     * @return the machine description
     */
    public static Result spec(final AcpiFirmware fw, final PlatformSpec scenario) {
        final List<String> warnings = new ArrayList<>();
        final List<PlatformSpec.IoApicSpec> ioapics = new ArrayList<>();
        for (final AcpiFirmware.IoApic io : fw.ioapics()) {
            ioapics.add(new PlatformSpec.IoApicSpec(io.id(), io.address(), io.gsiBase(), io.pins(),
                IoApicRegisters.VERSION_20, PlatformSpec.IoApicSpec.idBitsFor(io.id())));
        }
        final List<PlatformSpec.CpuSpec> cpus = new ArrayList<>();
        for (final MadtReader.LocalApic l : fw.madt().localApics()) {
            if (l.enabled() && l.apicId() < 0xFF && cpus.stream().noneMatch(c -> c.apicId() == l.apicId())) {
                cpus.add(new PlatformSpec.CpuSpec((int) l.apicId()));
            }
        }
        if (cpus.isEmpty()) {
            warnings.add("the MADT lists no enabled local APIC with an 8-bit id: one CPU, APIC id 0");
            cpus.add(new PlatformSpec.CpuSpec(0));
        }
        final List<InterruptSourceOverride> overrides = new ArrayList<>();
        for (final InterruptSourceOverride o : fw.madt().overrides()) {
            if (o.bus() == 0 && o.source() < 16 && covered(o.gsi(), ioapics)) {
                overrides.add(o);
            } else {
                warnings.add("override IRQ " + o.source() + " -> GSI " + o.gsi() + " left out: not an ISA IRQ, or no"
                    + " IO-APIC has the GSI");
            }
        }
        final Map<String, PlatformSpec.LinkSpec> links = links(fw, warnings);
        final Map<Integer, List<PrtEntry>> prt = prt(fw, scenario, links, warnings);
        final int sci = fw.sci() < 0 ? 9 : fw.sci();
        final int sciGsi = fw.sciGsi() < 0 ? sci : fw.sciGsi();

        final List<PlatformSpec.IntxRoute> intx = new ArrayList<>();
        final Set<Integer> pciGsis = new HashSet<>();
        final Set<Long> seen = new HashSet<>();
        for (final PrtEntry e : prt.getOrDefault(0, List.of())) {
            if (!seen.add((long) e.device() << 8 | e.pin())) {
                continue;
            }
            int gsi = e.sourceIndex();
            if (e.isLink()) {
                final PlatformSpec.LinkSpec l = links.get(e.source());
                final int irq = l.current() != 0 ? l.current() : l.possible().get(l.possible().size() - 1);
                gsi = l.extended() ? irq : isaToGsi(irq, overrides);
            }
            if (!covered(gsi, ioapics)) {
                warnings.add(String.format("_PRT device %d INT%c names GSI %d, which no IO-APIC has: not wired",
                    e.device(), 'A' + e.pin(), gsi));
                continue;
            }
            intx.add(new PlatformSpec.IntxRoute(e.device(), e.pin() + 1, gsi));
            pciGsis.add(gsi);
        }
        final List<PlatformSpec.IsaRoute> isa = new ArrayList<>();
        for (int irq = 0; irq < 16; irq++) {
            final InterruptSourceOverride o = overrideFor(irq, overrides);
            if (irq == 2 && o == null) {
                continue; // the cascade
            }
            final int gsi = o != null ? o.gsi() : irq;
            if (!covered(gsi, ioapics) || pciGsis.contains(gsi)
                || isa.stream().anyMatch(r -> r.gsi() == gsi)) {
                continue;
            }
            // the SCI conforms to level/active-low (acpi_sci_ioapic_setup); an override can say otherwise
            final boolean low = o != null && (o.flags() & 3) == 3 || irq == sci && (o == null || (o.flags() & 3) == 0);
            isa.add(new PlatformSpec.IsaRoute(irq, gsi, low ? WireKind.PCI_INTX : WireKind.ISA));
        }
        final PlatformSpec.FirmwareSpec firmware = new PlatformSpec.FirmwareSpec(overrides, prt,
            new ArrayList<>(links.values()), sciGsi, fw.madt().pcatCompat());
        final long lapic = fw.madt().lapicAddress();
        final long lapicPage = lapic & ~(LocalApicRegisters.PAGE_SIZE - 1);
        if (lapicPage != lapic) {
            // set_fixmap_nocache maps the frame (address >> PAGE_SHIFT): the registers are at the page's start
            warnings.add(String.format("the MADT's local APIC address 0x%x is not 4 KiB aligned: Xen maps the page"
                + " it is in, 0x%x", lapic, lapicPage));
        }
        return new Result(new PlatformSpec(ioapics, cpus, scenario.pci(), intx, isa, firmware, scenario.directedEoi(),
            lapicPage, scenario.apicv()), warnings);
    }

    private static Map<String, PlatformSpec.LinkSpec> links(final AcpiFirmware fw, final List<String> warnings) {
        final Map<String, PlatformSpec.LinkSpec> out = new LinkedHashMap<>();
        for (final PciRoutingReader.Link l : fw.routing().links()) {
            final String name = name(l.path());
            if (out.containsKey(name)) {
                warnings.add("link " + l.path() + " has the same name as another link device: left out");
                continue;
            }
            if (l.possible().isEmpty()) {
                continue;
            }
            // acpi_pci_link_allocate: an active IRQ that is not in _PRS is forgotten
            final int current = l.possible().contains(l.current()) ? l.current() : 0;
            out.put(name, new PlatformSpec.LinkSpec(name, l.possible(), l.trigger(), l.polarity(), l.shareable(),
                l.extended(), current));
        }
        return out;
    }

    private static Map<Integer, List<PrtEntry>> prt(final AcpiFirmware fw, final PlatformSpec scenario,
                                                    final Map<String, PlatformSpec.LinkSpec> links,
                                                    final List<String> warnings) {
        final Map<String, Integer> hostBus = new HashMap<>();
        for (final PciRoutingReader.HostBridge h : fw.routing().hostBridges()) {
            hostBus.put(h.path(), h.bus());
        }
        final Map<String, Long> address = new HashMap<>();
        for (final PciRoutingReader.Prt p : fw.routing().prt()) {
            address.put(p.bridge(), p.bridgeAddress());
        }
        final Map<Integer, List<PrtEntry>> out = new TreeMap<>();
        final Map<String, Integer> busOf = new HashMap<>();
        final Set<String> unplaced = new java.util.TreeSet<>();
        for (final PciRoutingReader.Prt p : fw.routing().prt()) {
            final Integer bus = busOf.computeIfAbsent(p.bridge(), b -> bus(b, hostBus, address, scenario));
            if (bus == null || bus < 0) {
                unplaced.add(p.bridge());
                continue;
            }
            if (p.device() > 31) {
                warnings.add(p.bridge() + "._PRT: device " + p.device() + " is not 0..31: left out");
                continue;
            }
            final PrtEntry e;
            if (p.isLink()) {
                final String name = name(p.link());
                if (!links.containsKey(name)) {
                    warnings.add(p.bridge() + "._PRT device " + p.device() + " names link " + p.link()
                        + ", which has no usable _PRS: left out");
                    continue;
                }
                e = new PrtEntry(p.device(), p.pin(), name, (int) p.sourceIndex());
            } else {
                e = PrtEntry.toGsi(p.device(), p.pin(), (int) p.sourceIndex());
            }
            out.computeIfAbsent(bus, k -> new ArrayList<>()).add(e);
        }
        if (!unplaced.isEmpty()) {
            warnings.add("_PRT of " + String.join(", ", unplaced) + " not used: the scenario has no PCI bridge at"
                + " that address, so the bus behind it is unknown");
        }
        return out;
    }

    private static Integer bus(final String bridge, final Map<String, Integer> hostBus, final Map<String, Long> address,
                               final PlatformSpec scenario) {
        if (hostBus.containsKey(bridge)) {
            return hostBus.get(bridge);
        }
        final int dot = bridge.lastIndexOf('.');
        final Long adr = address.get(bridge);
        if (dot < 0 || adr == null || adr < 0) {
            return -1;
        }
        final Integer parent = bus(bridge.substring(0, dot), hostBus, address, scenario);
        if (parent == null || parent < 0) {
            return -1;
        }
        final int dev = (int) (adr >>> 16 & 0x1F);
        final int fn = (int) (adr & 7);
        for (final PlatformSpec.PciDeviceSpec d : scenario.pci()) {
            if (d.isBridge() && d.bdf().bus() == parent && d.bdf().device() == dev && d.bdf().function() == fn) {
                return d.secondaryBus();
            }
        }
        return -1;
    }

    private static String name(final String path) {
        return path.substring(path.lastIndexOf('.') + 1).replace("\\", "");
    }

    private static boolean covered(final int gsi, final List<PlatformSpec.IoApicSpec> ioapics) {
        return ioapics.stream().anyMatch(io -> gsi >= io.gsiBase() && gsi < io.gsiBase() + io.pins());
    }

    private static InterruptSourceOverride overrideFor(final int irq, final List<InterruptSourceOverride> overrides) {
        return overrides.stream().filter(o -> o.source() == irq).findFirst().orElse(null);
    }

    private static int isaToGsi(final int irq, final List<InterruptSourceOverride> overrides) {
        final InterruptSourceOverride o = overrideFor(irq, overrides);
        return o != null ? o.gsi() : irq;
    }
}
