package io.irqsim.hw.firmware.acpi;

import io.irqsim.hw.firmware.IrqPolarity;
import io.irqsim.hw.firmware.IrqTrigger;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Evaluates what Linux evaluates to route PCI INTx, on a loaded namespace: {@code \_PIC(1)} first
 * ({@code acpi_bus_init_irq} in {@code drivers/acpi/bus.c}, v6.12: 1 = APIC mode), then every
 * {@code _PRT} under a PCI host bridge (a device whose {@code _HID} or {@code _CID} is PNP0A03 or
 * PNP0A08) as {@code acpi_pci_irq_find_prt_entry} reads it through ACPICA's
 * {@code AcpiGetIrqRoutingTable} (ACPICA {@code rscreate.c}: four-element packages; the source is
 * a reference or name of a link device, or the integer 0 for a hard-wired GSI), and every PCI
 * interrupt link device (PNP0C0F) as {@code acpi_pci_link_get_possible} and
 * {@code acpi_pci_link_get_current} read its {@code _PRS} and {@code _CRS}
 * ({@code drivers/acpi/pci_link.c}, v6.12: the first IRQ or Extended IRQ descriptor with
 * interrupts; zero entries skipped; at most 16 possible).
 */
public final class PciRoutingReader {

    /** Host bridge hardware ids ({@code drivers/acpi/pci_root.c} {@code root_device_ids}). */
    static final Set<String> HOST_BRIDGE_IDS = Set.of("PNP0A03", "PNP0A08");
    /** Link device id ({@code drivers/acpi/pci_link.c} {@code link_device_ids}). */
    static final String LINK_ID = "PNP0C0F";
    /** {@code ACPI_PCI_LINK_MAX_POSSIBLE}. */
    static final int MAX_POSSIBLE = 16;

    /**
     * One {@code _PRT} entry.
     *
     * @param bridge path of the device whose {@code _PRT} this is
     * @param hostBridge path of the host bridge above (or equal to) it
     * @param bridgeAddress the bridge's {@code _ADR} (device &lt;&lt; 16 | function), -1 for a host bridge
     * @param device PCI device number
     * @param pin 0..3 = INTA..INTD
     * @param link path of the link device, or empty for a hard-wired GSI
     * @param sourceIndex the GSI, or the link's resource index
     */
    public record Prt(String bridge, String hostBridge, long bridgeAddress, int device, int pin, String link,
                      long sourceIndex) {
        /** @return whether the entry names a link device */
        public boolean isLink() {
            return !link.isEmpty();
        }
    }

    /**
     * A PCI interrupt link device.
     *
     * @param path its path
     * @param possible {@code _PRS} interrupts (zero entries skipped, at most 16)
     * @param current {@code _CRS}'s first interrupt, 0 when blank or disabled
     * @param trigger the {@code _PRS} descriptor's trigger
     * @param polarity its polarity
     * @param shareable its sharing flag
     * @param extended an Extended Interrupt descriptor
     * @param status {@code _STA}, 0x0F when absent
     */
    public record Link(String path, List<Integer> possible, int current, IrqTrigger trigger, IrqPolarity polarity,
                       boolean shareable, boolean extended, long status) {
        /** Copies the list. */
        public Link {
            possible = List.copyOf(possible);
        }
    }

    /**
     * A host bridge.
     *
     * @param path its path
     * @param bus {@code _BBN}, 0 when absent
     */
    public record HostBridge(String path, int bus) {
    }

    /**
     * Evaluation that read OperationRegion fields with no value to read.
     *
     * @param method what was evaluated
     * @param fields the fields it read, by path
     */
    public record Defaulted(String method, List<String> fields) {
        /** Copies the list. */
        public Defaulted {
            fields = List.copyOf(fields);
        }
    }

    /** What was read. */
    public record Result(List<HostBridge> hostBridges, List<Prt> prt, List<Link> links, List<Defaulted> defaulted,
                         List<String> warnings) {
        /** Copies the lists. */
        public Result {
            hostBridges = List.copyOf(hostBridges);
            prt = List.copyOf(prt);
            links = List.copyOf(links);
            defaulted = List.copyOf(defaulted);
            warnings = List.copyOf(warnings);
        }
    }

    private final AmlInterpreter aml;
    private final List<Defaulted> defaulted = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    private PciRoutingReader(final AmlInterpreter aml) {
        this.aml = aml;
    }

    /**
     * @param aml an interpreter with the DSDT and SSDTs loaded
     * @return the routing the firmware describes in APIC mode
     */
    public static Result read(final AmlInterpreter aml) {
        return new PciRoutingReader(aml).run();
    }

    private Result run() {
        final AmlNode pic = aml.namespace().find("\\_PIC");
        if (pic != null) {
            eval(pic, "\\_PIC(1)", new AmlObject.Int(1));
        }
        final List<HostBridge> hosts = new ArrayList<>();
        final List<Prt> prt = new ArrayList<>();
        final List<Link> links = new ArrayList<>();
        aml.namespace().walk(n -> {
            if (!(n.object() instanceof AmlObject.Named d) || d.kind() != AmlObject.Named.Kind.DEVICE) {
                return;
            }
            final Set<String> ids = ids(n);
            if (ids.contains(LINK_ID)) {
                final Link l = link(n);
                if (l != null) {
                    links.add(l);
                }
            }
            if (ids.stream().anyMatch(HOST_BRIDGE_IDS::contains) && !underHostBridge(n)) {
                final AmlObject bbn = child(n, "_BBN", "_BBN");
                final int bus = bbn instanceof AmlObject.Int i ? (int) i.value() & 0xFF : 0;
                hosts.add(new HostBridge(n.path(), bus));
                collectPrt(n, n, prt);
            }
        });
        return new Result(hosts, prt, links, defaulted, warnings);
    }

    private boolean underHostBridge(final AmlNode n) {
        for (AmlNode p = n.parent(); p != null; p = p.parent()) {
            if (p.object() instanceof AmlObject.Named d && d.kind() == AmlObject.Named.Kind.DEVICE
                && ids(p).stream().anyMatch(HOST_BRIDGE_IDS::contains)) {
                return true;
            }
        }
        return false;
    }

    private void collectPrt(final AmlNode host, final AmlNode dev, final List<Prt> out) {
        if (dev.child("_PRT") != null) {
            long adr = -1;
            if (dev != host) {
                final AmlObject a = child(dev, "_ADR", "_ADR");
                adr = a instanceof AmlObject.Int i ? i.value() : -1;
            }
            final AmlObject table = child(dev, "_PRT", "_PRT");
            if (table != null) {
                prtEntries(dev, host, adr, table, out);
            }
        }
        for (final AmlNode c : dev.children()) {
            if (c.object() instanceof AmlObject.Named d && d.kind() == AmlObject.Named.Kind.DEVICE) {
                collectPrt(host, c, out);
            }
        }
    }

    private void prtEntries(final AmlNode dev, final AmlNode host, final long adr, final AmlObject table,
                            final List<Prt> out) {
        final String where = dev.path() + "._PRT";
        if (!(table instanceof AmlObject.Pkg p)) {
            warnings.add(where + " is not a package (" + AmlConvert.typeName(table) + "): ignored");
            return;
        }
        for (int i = 0; i < p.elements().size(); i++) {
            final AmlObject el = deref(p.elements().get(i));
            if (!(el instanceof AmlObject.Pkg e) || e.elements().size() != 4) {
                warnings.add(where + "[" + i + "] is not a four-element package: ignored (as ACPICA)");
                continue;
            }
            final AmlObject address = e.elements().get(0);
            final AmlObject pin = e.elements().get(1);
            final AmlObject source = e.elements().get(2);
            final AmlObject index = e.elements().get(3);
            if (!(address instanceof AmlObject.Int a) || !(pin instanceof AmlObject.Int pn)
                || !(index instanceof AmlObject.Int ix)) {
                warnings.add(where + "[" + i + "]: address, pin and source index must be integers: ignored");
                continue;
            }
            String link = "";
            if (source instanceof AmlObject.Int z) {
                if (z.value() != 0) {
                    warnings.add(where + "[" + i + "]: integer source " + z.value() + " is not 0: ignored");
                    continue;
                }
            } else {
                final AmlNode target = sourceNode(source, dev);
                if (target == null) {
                    warnings.add(where + "[" + i + "]: source " + describe(source) + " does not exist: ignored");
                    continue;
                }
                link = target.path();
            }
            if ((a.value() & 0xFFFF) != 0xFFFF) {
                warnings.add(String.format("%s[%d]: address 0x%x does not end in 0xFFFF (any function)", where, i,
                    a.value()));
            }
            if (pn.value() < 0 || pn.value() > 3) {
                warnings.add(where + "[" + i + "]: pin " + pn.value() + " is not 0..3: ignored");
                continue;
            }
            out.add(new Prt(dev.path(), host.path(), adr, (int) (a.value() >>> 16 & 0xFFFF), (int) pn.value(), link,
                ix.value()));
        }
    }

    private AmlNode sourceNode(final AmlObject source, final AmlNode dev) {
        if (source instanceof AmlObject.NodeRef r) {
            return r.node();
        }
        if (source instanceof AmlObject.NameRef nr) {
            final AmlNode n = aml.namespace().lookup(nr.name(), nr.scope());
            return n == null ? null : n.target();
        }
        if (source instanceof AmlObject.Str s) {
            final AmlNode n = s.value().startsWith("\\") ? aml.namespace().find(s.value())
                : aml.namespace().lookup(AmlNamespace.internal(s.value()), dev);
            return n == null ? null : n.target();
        }
        return null;
    }

    private static String describe(final AmlObject o) {
        return o instanceof AmlObject.NameRef nr ? nr.name() : o instanceof AmlObject.Str s ? "\"" + s.value() + "\""
            : AmlConvert.typeName(o);
    }

    private AmlObject deref(final AmlObject o) {
        if (o instanceof AmlObject.NameRef nr) {
            final AmlNode n = aml.namespace().lookup(nr.name(), nr.scope());
            return n == null ? o : n.object();
        }
        if (o instanceof AmlObject.NodeRef r) {
            return r.node().object();
        }
        return o;
    }

    private Link link(final AmlNode n) {
        final String path = n.path();
        final AmlObject sta = child(n, "_STA", "_STA");
        final long status = sta instanceof AmlObject.Int i ? i.value() : 0x0F;
        final AmlObject prs = child(n, "_PRS", "_PRS");
        if (!(prs instanceof AmlObject.Buf pb)) {
            warnings.add(path + ": _PRS is missing or not a resource template; link ignored");
            return null;
        }
        ResourceTemplate.Interrupts possible = null;
        try {
            for (final ResourceTemplate.Interrupts d : ResourceTemplate.interrupts(pb.data(), path + "._PRS")) {
                if (!d.interrupts().isEmpty()) {
                    possible = d;
                    break;
                }
            }
        } catch (AmlException e) {
            warnings.add(e.getMessage());
        }
        if (possible == null) {
            warnings.add(path + "._PRS lists no interrupt (Linux: \"Blank _PRS IRQ resource\"); link ignored");
            return null;
        }
        final List<Integer> irqs = new ArrayList<>();
        for (final int irq : possible.interrupts()) {
            if (irq != 0 && irqs.size() < MAX_POSSIBLE) {
                irqs.add(irq);
            }
        }
        int current = 0;
        final AmlObject crs = child(n, "_CRS", "_CRS");
        if (crs instanceof AmlObject.Buf cb) {
            try {
                for (final ResourceTemplate.Interrupts d : ResourceTemplate.interrupts(cb.data(), path + "._CRS")) {
                    if (!d.interrupts().isEmpty()) {
                        current = d.interrupts().get(0);
                        break;
                    }
                }
            } catch (AmlException e) {
                warnings.add(e.getMessage());
            }
        }
        return new Link(path, irqs, current, possible.trigger(), possible.polarity(), possible.shareable(),
            possible.extended(), status);
    }

    /** The hardware and compatible ids, EISA ids decoded (ACPICA {@code AcpiExEisaIdToString}). */
    Set<String> ids(final AmlNode n) {
        final Set<String> out = new TreeSet<>();
        for (final String m : new String[] {"_HID", "_CID"}) {
            final AmlNode c = n.child(m);
            if (c == null) {
                continue;
            }
            final AmlObject v = c.object() instanceof AmlObject.Method ? child(n, m, m) : c.object();
            addId(v, out);
        }
        return out;
    }

    private void addId(final AmlObject v, final Set<String> out) {
        if (v instanceof AmlObject.Int i) {
            out.add(eisaId(i.value()));
        } else if (v instanceof AmlObject.Str s) {
            out.add(s.value());
        } else if (v instanceof AmlObject.Pkg p) {
            for (final AmlObject e : p.elements()) {
                addId(e, out);
            }
        }
    }

    /**
     * @param v a compressed EISA id as AML stores it
     * @return its seven-character form, e.g. {@code PNP0A03}
     */
    public static String eisaId(final long v) {
        final long id = Long.reverseBytes(v << 32) & 0xFFFFFFFFL;
        final StringBuilder sb = new StringBuilder();
        sb.append((char) ('@' + (id >>> 26 & 0x1F)));
        sb.append((char) ('@' + (id >>> 21 & 0x1F)));
        sb.append((char) ('@' + (id >>> 16 & 0x1F)));
        sb.append(String.format("%04X", id & 0xFFFF));
        return sb.toString();
    }

    /** Evaluates a child object by name, recording defaulted reads and turning errors into warnings. */
    private AmlObject child(final AmlNode n, final String seg, final String what) {
        final AmlNode c = n.child(seg);
        return c == null ? null : eval(c, n.path() + "." + what);
    }

    private AmlObject eval(final AmlNode node, final String label, final AmlObject... args) {
        aml.clearDefaultedReads();
        try {
            final AmlObject v = aml.evaluate(node, args);
            return v instanceof AmlObject.NodeRef r && !(r.node().object() instanceof AmlObject.Named)
                ? r.node().object() : v;
        } catch (AmlException e) {
            warnings.add("evaluating " + label + ": " + e.getMessage());
            return null;
        } finally {
            final Set<String> reads = aml.defaultedReads();
            if (!reads.isEmpty()) {
                defaulted.add(new Defaulted(label, new ArrayList<>(new TreeSet<>(reads))));
            }
        }
    }
}
