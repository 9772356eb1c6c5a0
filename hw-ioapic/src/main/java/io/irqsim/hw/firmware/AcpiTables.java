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
    private final boolean pcatCompat;

    /**
     * @param madt the MADT
     * @param prtByBus {@code _PRT} per bus number (absent bus = no {@code _PRT} there)
     * @param links link devices
     * @param sciGsi the FADT's SCI interrupt (as a GSI)
     * @throws IllegalArgumentException if a {@code _PRT} entry names a missing link device
     */
    // a PC's MADT says PCAT_COMPAT; only firmware read from a dump can say otherwise
    public AcpiTables(final Madt madt, final Map<Integer, List<PrtEntry>> prtByBus,
                      final List<PciLinkDevice> links, final int sciGsi) {
        this(madt, prtByBus, links, sciGsi, true);
    }

    /**
     * @param madt the MADT
     * @param prtByBus {@code _PRT} per bus number (absent bus = no {@code _PRT} there)
     * @param links link devices
     * @param sciGsi the FADT's SCI interrupt (as a GSI)
     * @param pcatCompat the MADT's flags bit 0 ({@code PCAT_COMPAT}: the machine has dual 8259s)
     * @throws IllegalArgumentException if a {@code _PRT} entry names a missing link device
     */
    public AcpiTables(final Madt madt, final Map<Integer, List<PrtEntry>> prtByBus,
                      final List<PciLinkDevice> links, final int sciGsi, final boolean pcatCompat) {
        this.pcatCompat = pcatCompat;
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

    /** @return the MADT's {@code PCAT_COMPAT} flag (flags bit 0: dual 8259s installed) */
    public boolean pcatCompat() {
        return pcatCompat;
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
