package io.irqsim.guest.scenario;

import io.irqsim.guest.scenario.YamlTree.Node;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.PlatformSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code dom0}, {@code guests} and {@code traffic} sections of a scenario: which devices dom0
 * drives, the HVM guests and the devices passed through to them (virtual slots 1..31, unique per
 * guest, never a device dom0 drives), and the interrupts each device raises. Every device named
 * must be on the platform.
 */
final class DomainSection {

    /** Longest virtual time between two interrupts of a traffic entry: 1 s (count x interval fits a long). */
    static final long MAX_INTERVAL_NS = 1_000_000_000L;
    private static final List<String> DOM0_TYPES = List.of("pv", "pvh");
    private static final int MAX_VCPUS = DomainConfig.MAX_VCPUS;
    private static final int DEFAULT_GUEST_VCPUS = 1;
    private static final int DEFAULT_COUNT = 100;
    private static final long DEFAULT_INTERVAL_NS = 10_000;
    private static final String UNIX_PREFIX = "unix:";
    /** {@code sizeof(sockaddr_un.sun_path)} on Linux (108) less the terminating NUL. */
    static final int MAX_SOCKET_PATH = 107;
    static final int DEFAULT_VFIO_USER_INTERRUPTS = 1;
    private static final java.util.List<String> VFIO_USER_IRQS = java.util.List.of("intx", "msi", "msix");
    static final int MAX_VFIO_USER_INTERRUPTS = 1_000_000;

    private final ScenarioReader r;
    private final Scenario defaults;

    DomainSection(final ScenarioReader r, final Scenario defaults) {
        this.r = r;
        this.defaults = defaults;
    }

    // ================================================================== domains and traffic

    Scenario.Dom0Spec dom0(final Node n, final PlatformSpec platform) {
        final Scenario.Dom0Spec def = defaults.dom0();
        final ScenarioReader.Obj o = n == null ? null : r.obj(n, ScenarioKeys.DOM0);
        final DomainType type = o != null && o.has("type")
            ? (r.choice(o.get("type"), DOM0_TYPES).equals("pv") ? DomainType.PV : DomainType.PVH) : def.type();
        final int vcpus = o != null && o.has("vcpus") ? r.int32(o.get("vcpus"), 1, MAX_VCPUS, false) : def.vcpus();
        final List<Bdf> drivers = new ArrayList<>();
        if (o != null && o.has("drivers")) {
            for (final Node d : r.list(o.get("drivers"))) {
                drivers.add(r.bdf(d));
            }
        } else {
            drivers.addAll(def.drivers());
        }
        for (int i = 0; i < drivers.size(); i++) {
            final String path = "dom0.drivers[" + i + "]";
            final PlatformSpec.PciDeviceSpec dev = device(drivers.get(i), path, platform);
            if (dev.isBridge() || dev.interruptPin() == 0) {
                throw r.errAt(path, drivers.get(i) + " (" + dev.name() + ") " + (dev.isBridge()
                    ? "is a PCI-to-PCI bridge" : "has no interrupt pin") + "; dom0.drivers lists devices whose"
                    + " driver requests their INTx interrupt");
            }
            final int first = drivers.indexOf(drivers.get(i));
            if (first < i) {
                throw r.errAt(path, drivers.get(i) + " is already listed as dom0.drivers[" + first + "]");
            }
        }
        return new Scenario.Dom0Spec(type, vcpus, drivers);
    }

    List<Scenario.GuestSpec> guests(final Node n, final PlatformSpec platform, final Scenario.Dom0Spec dom0) {
        final List<Scenario.GuestSpec> out = new ArrayList<>();
        if (n == null) {
            out.addAll(defaults.guests());
        } else {
            final Map<String, String> names = new HashMap<>();
            for (final Node item : r.list(n)) {
                final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.GUEST);
                final Node nameNode = o.require("name");
                final String name = r.nonEmptyString(nameNode);
                final String first = names.putIfAbsent(name, item.path);
                if (first != null) {
                    throw r.err(nameNode, "a guest named '" + name + "' is already given by " + first);
                }
                final int vcpus = o.has("vcpus") ? r.int32(o.get("vcpus"), 1, MAX_VCPUS, false) : DEFAULT_GUEST_VCPUS;
                final List<Scenario.PassthroughSpec> pt = new ArrayList<>();
                if (o.has("passthrough")) {
                    for (final Node d : r.list(o.get("passthrough"))) {
                        final ScenarioReader.Obj po = r.obj(d, ScenarioKeys.PASSTHROUGH);
                        final Bdf bdf = r.bdf(po.require("device"));
                        final int slot = r.int32(po.require("slot"), 1, 31, false);
                        pt.add(new Scenario.PassthroughSpec(bdf, slot));
                    }
                }
                final Boolean hvmPirq = o.has("hvmPirq") ? r.bool(o.get("hvmPirq")) : null;
                out.add(new Scenario.GuestSpec(name, vcpus, pt, hvmPirq, vfioUser(o)));
            }
        }
        final Map<Bdf, String> passed = new HashMap<>();
        for (int g = 0; g < out.size(); g++) {
            final Map<Integer, String> slots = new HashMap<>();
            final List<Scenario.PassthroughSpec> pt = out.get(g).passthrough();
            for (int i = 0; i < pt.size(); i++) {
                final String path = "guests[" + g + "].passthrough[" + i + "]";
                final Bdf bdf = pt.get(i).device();
                final PlatformSpec.PciDeviceSpec dev = device(bdf, path + ".device", platform);
                if (dev.isBridge()) {
                    throw r.errAt(path + ".device", bdf + " (" + dev.name() + ") is a PCI-to-PCI bridge; pass through"
                        + " the devices behind it");
                }
                final String first = passed.putIfAbsent(bdf, path);
                if (first != null) {
                    throw r.errAt(path + ".device", bdf + " is already passed through by " + first);
                }
                final int driver = dom0.drivers().indexOf(bdf);
                if (driver >= 0) {
                    final String dom0Path = "dom0.drivers[" + driver + "]";
                    throw r.errAt(r.first(path + ".device", dom0Path), bdf + " is both passed through (" + path
                        + ") and driven by dom0 (" + dom0Path + "); a device dom0's own driver claims cannot be"
                        + " given to pciback");
                }
                final String slotUser = slots.putIfAbsent(pt.get(i).virtualSlot(), path);
                if (slotUser != null) {
                    throw r.errAt(path + ".slot", "virtual slot " + pt.get(i).virtualSlot() + " is already used by "
                        + slotUser + " in the same guest");
                }
            }
            final List<Scenario.VfioUserSpec> vu = out.get(g).vfioUser();
            for (int i = 0; i < vu.size(); i++) {
                final String path = "guests[" + g + "].vfioUser[" + i + "]";
                final String slotUser = slots.putIfAbsent(vu.get(i).virtualSlot(), path);
                if (slotUser != null) {
                    throw r.errAt(path + ".slot", "virtual slot " + vu.get(i).virtualSlot() + " is already used by "
                        + slotUser + " in the same guest");
                }
            }
        }
        return out;
    }

    /**
     * A guest's {@code vfioUser} entries: {@code socket: unix:PATH} (the only transport vfio-user
     * defines; PATH at most {@value #MAX_SOCKET_PATH} bytes, the size of Linux's
     * {@code sockaddr_un.sun_path} less its NUL), a slot 1..31, and how many interrupts the run
     * waits for (default {@value #DEFAULT_VFIO_USER_INTERRUPTS}), and which interrupt the guest's
     * driver asks for: {@code irq: intx} (default), {@code msi} or {@code msix}.
     */
    private List<Scenario.VfioUserSpec> vfioUser(final ScenarioReader.Obj guest) {
        final List<Scenario.VfioUserSpec> out = new ArrayList<>();
        if (!guest.has("vfioUser")) {
            return out;
        }
        for (final Node d : r.list(guest.get("vfioUser"))) {
            final ScenarioReader.Obj vo = r.obj(d, ScenarioKeys.VFIO_USER);
            final Node socketNode = vo.require("socket");
            final String socket = r.nonEmptyString(socketNode);
            if (!socket.startsWith(UNIX_PREFIX) || socket.length() == UNIX_PREFIX.length()) {
                throw r.err(socketNode, "'" + socket + "' is not a vfio-user socket: write unix:PATH (vfio-user servers"
                    + " listen on a Unix socket)");
            }
            final String path = socket.substring(UNIX_PREFIX.length());
            if (path.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SOCKET_PATH
                || path.indexOf('\0') >= 0) {
                throw r.err(socketNode, "socket path '" + path + "' does not fit a Unix socket address: at most "
                    + MAX_SOCKET_PATH + " bytes, no NUL");
            }
            final int slot = r.int32(vo.require("slot"), 1, 31, false);
            final int interrupts = vo.has("interrupts") ? r.int32(vo.get("interrupts"), 0, MAX_VFIO_USER_INTERRUPTS,
                false) : DEFAULT_VFIO_USER_INTERRUPTS;
            final io.irqsim.guest.linux.PciIrqMode irq = vo.has("irq")
                ? io.irqsim.guest.linux.PciIrqMode.values()[VFIO_USER_IRQS.indexOf(r.choice(vo.get("irq"), VFIO_USER_IRQS))]
                : io.irqsim.guest.linux.PciIrqMode.INTX;
            out.add(new Scenario.VfioUserSpec(path, slot, interrupts, irq));
        }
        return out;
    }

    List<Scenario.TrafficSpec> traffic(final Node n, final PlatformSpec platform) {
        final List<Scenario.TrafficSpec> out = new ArrayList<>();
        if (n == null) {
            out.addAll(defaults.traffic());
        } else {
            for (final Node item : r.list(n)) {
                final ScenarioReader.Obj o = r.obj(item, ScenarioKeys.TRAFFIC);
                final Bdf bdf = r.bdf(o.require("device"));
                final int count = o.has("count") ? r.int32(o.get("count"), 0, Integer.MAX_VALUE, false) : DEFAULT_COUNT;
                final long interval = o.has("intervalNs") ? r.integer(o.get("intervalNs"), 0, MAX_INTERVAL_NS, false)
                    : DEFAULT_INTERVAL_NS;
                out.add(new Scenario.TrafficSpec(bdf, count, interval));
            }
        }
        final Map<Bdf, String> seen = new HashMap<>();
        for (int i = 0; i < out.size(); i++) {
            final String path = "traffic[" + i + "].device";
            final Bdf bdf = out.get(i).device();
            final PlatformSpec.PciDeviceSpec dev = device(bdf, path, platform);
            if (dev.isBridge() || dev.interruptPin() == 0) {
                throw r.errAt(path, bdf + " (" + dev.name() + ") " + (dev.isBridge() ? "is a PCI-to-PCI bridge"
                    : "has no interrupt pin (pin: none)") + ": it cannot raise INTx interrupts");
            }
            final String first = seen.putIfAbsent(bdf, "traffic[" + i + "]");
            if (first != null) {
                throw r.errAt(path, "traffic for " + bdf + " is already given by " + first
                    + "; one entry per device");
            }
        }
        return out;
    }

    private PlatformSpec.PciDeviceSpec device(final Bdf bdf, final String path, final PlatformSpec platform) {
        for (final PlatformSpec.PciDeviceSpec d : platform.pci()) {
            if (d.bdf().equals(bdf)) {
                return d;
            }
        }
        final StringBuilder known = new StringBuilder();
        for (final PlatformSpec.PciDeviceSpec d : platform.pci()) {
            known.append(known.length() == 0 ? "" : ", ").append(d.bdf()).append(" (").append(d.name()).append(')');
        }
        throw r.errAt(path, bdf + " is not in platform.pci; the platform has " + (known.length() == 0 ? "no devices"
            : known));
    }
}
