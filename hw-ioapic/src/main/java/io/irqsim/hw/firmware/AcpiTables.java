package io.irqsim.hw.firmware;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the platform's firmware tells an OS about interrupt routing: the MADT, the {@code _PRT} of
 * the host bridge (bus 0) and of PCI-to-PCI bridges (keyed by the bus they describe), and the PCI
 * link devices. Kept apart from the real wiring on purpose: firmware can be wrong.
 */
public final class AcpiTables {

    private final Madt madt;
    private final Map<Integer, List<PrtEntry>> prt;
    private final Map<String, PciLinkDevice> links;
    private final int sciGsi;

    /**
     * @param madt the MADT (its flags say whether the machine is {@code PCAT_COMPAT})
     * @param prtByBus {@code _PRT} per bus number (absent bus = no {@code _PRT} there)
     * @param links link devices
     * @param sciGsi the FADT's SCI interrupt (as a GSI)
     * @throws IllegalArgumentException if a {@code _PRT} entry names a missing link device
     */
    public AcpiTables(final Madt madt, final Map<Integer, List<PrtEntry>> prtByBus,
                      final List<PciLinkDevice> links, final int sciGsi) {
        this.madt = madt;
        final Map<Integer, List<PrtEntry>> p = new TreeMap<>();
        prtByBus.forEach((bus, entries) -> p.put(bus, List.copyOf(entries)));
        this.prt = p;
        final Map<String, PciLinkDevice> l = new LinkedHashMap<>();
        for (final PciLinkDevice link : links) {
            if (l.put(link.name(), link) != null) {
                throw new IllegalArgumentException("two link devices named " + link.name());
            }
        }
        this.links = l;
        for (final Map.Entry<Integer, List<PrtEntry>> e : p.entrySet()) {
            for (final PrtEntry entry : e.getValue()) {
                if (entry.isLink() && !l.containsKey(entry.source())) {
                    throw new IllegalArgumentException("_PRT of bus " + e.getKey() + " names link device "
                        + entry.source() + ", which does not exist");
                }
            }
        }
        this.sciGsi = sciGsi;
    }

    /** @return the MADT */
    public Madt madt() {
        return madt;
    }

    /**
     * The same tables with another MADT: what a PVH hardware domain is given, whose XSDT
     * Xen rebuilds with its own MADT while the DSDT, SSDTs and FADT stay the host's
     * ({@code pvh_setup_acpi_xsdt}, {@code pvh_acpi_table_allowed},
     * {@code xen/arch/x86/hvm/dom0_build.c@RELEASE-4.20.0}). The link devices are the same objects: the
     * AML that programs them is the host's.
     *
     * @param replacement the MADT to show instead
     * @return the view
     */
    public AcpiTables withMadt(final Madt replacement) {
        return new AcpiTables(replacement, prt, List.copyOf(links.values()), sciGsi);
    }

    /**
     * @param bus bus number
     * @return that bus's {@code _PRT}, or {@code null} if its bridge has none
     */
    public List<PrtEntry> prt(final int bus) {
        return prt.get(bus);
    }

    /** @return every {@code _PRT}, by bus */
    public Map<Integer, List<PrtEntry>> prtByBus() {
        return prt;
    }

    /**
     * @param name link device name
     * @return it, or {@code null}
     */
    public PciLinkDevice link(final String name) {
        return links.get(name);
    }

    /** @return every link device */
    public List<PciLinkDevice> links() {
        return List.copyOf(links.values());
    }

    /** @return the SCI's GSI */
    public int sciGsi() {
        return sciGsi;
    }

    /** Restores every link device's boot-time state. */
    public void reset() {
        links.values().forEach(PciLinkDevice::reset);
    }
}
