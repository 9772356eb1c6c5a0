package io.irqsim.cli;

import io.irqsim.dm.vfiouser.VfioUser;
import io.irqsim.dm.vfiouser.VfioUserClient;
import io.irqsim.dm.vfiouser.VfioUserCodec.DeviceInfo;
import io.irqsim.dm.vfiouser.VfioUserCodec.IrqInfo;
import io.irqsim.dm.vfiouser.VfioUserCodec.RegionCap;
import io.irqsim.dm.vfiouser.VfioUserCodec.RegionInfo;
import io.irqsim.dm.vfiouser.VfioUserCodec.Version;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code irqsim vfio-user info} learns from a server: the negotiated version, the device,
 * regions and IRQ indexes, and the PCI config space; rendered as {@code lspci -vv} would show the
 * function, or as JSON. Config space layout: PCI Local Bus 3.0 type-0 header.
 */
record VfioUserInfo(Version version, DeviceInfo device, List<RegionInfo> regions, List<IrqInfo> irqs, byte[] config) {

    /** Largest config space read: PCIe's 4 KiB. */
    static final int MAX_CONFIG = 4096;

    /**
     * Asks the server everything {@code info} shows.
     *
     * @param c a connected client
     * @return the answers
     * @throws IOException on an error reply or a protocol violation
     */
    static VfioUserInfo read(final VfioUserClient c) throws IOException {
        final DeviceInfo d = c.deviceInfo();
        final List<RegionInfo> regions = new ArrayList<>();
        for (int i = 0; i < d.numRegions(); i++) {
            regions.add(c.regionInfo(i));
        }
        final List<IrqInfo> irqs = new ArrayList<>();
        for (int i = 0; i < d.numIrqs(); i++) {
            irqs.add(c.irqInfo(i));
        }
        byte[] config = new byte[0];
        if ((d.flags() & VfioUser.DEVICE_FLAG_PCI) != 0 && regions.size() > VfioUser.REGION_CONFIG) {
            final RegionInfo cfg = regions.get(VfioUser.REGION_CONFIG);
            final int n = (int) Math.min(Math.max(cfg.size(), 0), MAX_CONFIG);
            if (n > 0 && (cfg.flags() & VfioUser.REGION_FLAG_READ) != 0) {
                config = c.regionRead(VfioUser.REGION_CONFIG, 0, n);
            }
        }
        return new VfioUserInfo(c.version(), d, List.copyOf(regions), List.copyOf(irqs), config);
    }

    private int cfg8(final int at) {
        return at < config.length ? config[at] & 0xff : 0;
    }

    private int cfg16(final int at) {
        return cfg8(at) | cfg8(at + 1) << 8;
    }

    private long cfg32(final int at) {
        return (cfg16(at) | (long) cfg16(at + 2) << 16) & 0xffffffffL;
    }

    /** @return the JSON object of {@code --json} */
    Map<String, Object> json() {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", Map.of("major", version.major(), "minor", version.minor()));
        final boolean pci = config.length >= 64;
        m.put("vendor", pci ? cfg16(0x00) : null);
        m.put("device", pci ? cfg16(0x02) : null);
        m.put("subsystemVendor", pci ? cfg16(0x2c) : null);
        m.put("subsystem", pci ? cfg16(0x2e) : null);
        m.put("classCode", pci ? cfg8(0x09) | cfg8(0x0a) << 8 | cfg8(0x0b) << 16 : null);
        m.put("interruptPin", pci ? cfg8(0x3d) : null);
        final List<Map<String, Object>> rs = new ArrayList<>();
        for (final RegionInfo r : regions) {
            final Map<String, Object> e = new LinkedHashMap<>();
            e.put("index", r.index());
            e.put("size", r.size());
            e.put("flags", r.flags());
            rs.add(e);
        }
        m.put("regions", rs);
        final List<Map<String, Object>> is = new ArrayList<>();
        for (final IrqInfo i : irqs) {
            final Map<String, Object> e = new LinkedHashMap<>();
            e.put("index", i.index());
            e.put("count", Integer.toUnsignedLong(i.count()));
            e.put("flags", i.flags());
            is.add(e);
        }
        m.put("irqs", is);
        return m;
    }

    /**
     * @param where the socket, for the first line
     * @return the text report, lines ending in '\n'
     */
    String text(final String where) {
        final StringBuilder s = new StringBuilder();
        line(s, "vfio-user %d.%d server at %s (max_msg_fds %d, max_data_xfer_size %d)", version.major(), version.minor(),
            where, version.maxMsgFds(), version.maxDataXferSize());
        line(s, "Device: flags 0x%x (%s), %d regions, %d IRQ indexes", device.flags(), deviceFlags(device.flags()),
            device.numRegions(), device.numIrqs());
        if (config.length >= 64) {
            pciText(s);
        } else {
            line(s, "No PCI config space (region 7) to read.");
        }
        line(s, "Regions:");
        for (final RegionInfo r : regions) {
            line(s, "\t%d %-6s size 0x%x (%s) flags 0x%x (%s)%s", r.index(), regionName(r.index()), r.size(),
                size(r.size()), r.flags(), regionFlags(r.flags()), r.offset() != 0 ? String.format(" offset 0x%x", r.offset()) : "");
            for (final RegionCap cap : r.caps()) {
                line(s, "\t\tcapability %d v%d: %s", cap.id(), cap.version(), cap.text());
            }
        }
        line(s, "IRQs:");
        for (final IrqInfo i : irqs) {
            line(s, "\t%d %-5s count %s flags 0x%x (%s)", i.index(), irqName(i.index()),
                Integer.toUnsignedString(i.count()), i.flags(), irqFlags(i.flags()));
        }
        return s.toString();
    }

    private void pciText(final StringBuilder s) {
        line(s, "Class %02x%02x: Device %04x:%04x (rev %02x)", cfg8(0x0b), cfg8(0x0a), cfg16(0x00), cfg16(0x02), cfg8(0x08));
        if (cfg8(0x09) != 0) {
            line(s, "\tProg-if %02x", cfg8(0x09));
        }
        line(s, "\tSubsystem: Device %04x:%04x", cfg16(0x2c), cfg16(0x2e));
        final int cmd = cfg16(0x04);
        line(s, "\tControl: I/O%s Mem%s BusMaster%s DisINTx%s", pm(cmd & 1), pm(cmd & 2), pm(cmd & 4), pm(cmd & 0x400));
        line(s, "\tStatus: Cap%s INTx%s", pm(cfg16(0x06) & 0x10), pm(cfg16(0x06) & 0x08));
        final int pin = cfg8(0x3d);
        if (pin >= 1 && pin <= 4) {
            line(s, "\tInterrupt: pin %c (line %d)", (char) ('A' + pin - 1), cfg8(0x3c));
        } else {
            line(s, "\tInterrupt: none (pin register %d)", pin);
        }
        bars(s);
        capabilities(s);
    }

    private RegionInfo region(final int index) {
        return index < regions.size() ? regions.get(index) : null;
    }

    private void bars(final StringBuilder s) {
        for (int i = 0; i < 6; i++) {
            final long bar = cfg32(0x10 + 4 * i);
            final RegionInfo r = region(i);
            final boolean io = (bar & 1) != 0;
            final boolean is64 = !io && (bar & 0x6) == 0x4;
            if (r != null && r.size() > 0) {
                if (io) {
                    line(s, "\tRegion %d: I/O ports at %s [size=%s]", i, addr(bar & ~0x3L), size(r.size()));
                } else {
                    final long a = (bar & ~0xfL) | (is64 ? cfg32(0x14 + 4 * i) << 32 : 0);
                    line(s, "\tRegion %d: Memory at %s (%s, %sprefetchable) [size=%s]", i, addr(a), is64 ? "64-bit" : "32-bit",
                        (bar & 0x8) != 0 ? "" : "non-", size(r.size()));
                }
            }
            if (is64) {
                i++;
            }
        }
        final RegionInfo rom = region(VfioUser.REGION_ROM);
        if (rom != null && rom.size() > 0) {
            final long b = cfg32(0x30);
            line(s, "\tExpansion ROM at %s [%s] [size=%s]", addr(b & ~0x7ffL), (b & 1) != 0 ? "enabled" : "disabled",
                size(rom.size()));
        }
    }

    private static String addr(final long a) {
        return a == 0 ? "<unassigned>" : Long.toHexString(a);
    }

    private void capabilities(final StringBuilder s) {
        if ((cfg16(0x06) & 0x10) == 0) {
            return;
        }
        int at = cfg8(0x34) & 0xfc;
        for (int n = 0; at >= 0x40 && at + 2 <= Math.min(config.length, 256) && n < 48; n++) {
            final int id = cfg8(at);
            line(s, "\tCapabilities: [%02x] %s", at, capName(id, at));
            at = cfg8(at + 1) & 0xfc;
        }
        if (config.length > 256) {
            at = 0x100;
            for (int n = 0; at >= 0x100 && at + 4 <= config.length && n < 960; n++) {
                final long h = cfg32(at);
                if (h == 0 || h == 0xffffffffL) {
                    break;
                }
                line(s, "\tCapabilities: [%03x v%d] extended capability 0x%04x", at, (h >> 16) & 0xf, h & 0xffff);
                at = (int) (h >>> 20) & 0xffc;
            }
        }
    }

    private String capName(final int id, final int at) {
        return switch (id) {
            case 0x01 -> "Power Management version " + (cfg16(at + 2) & 7);
            case 0x05 -> String.format("MSI: Enable%s Count=%d/%d %s", pm(cfg16(at + 2) & 1), 1 << ((cfg16(at + 2) >> 4) & 7),
                1 << ((cfg16(at + 2) >> 1) & 7), (cfg16(at + 2) & 0x80) != 0 ? "64bit+" : "64bit-");
            case 0x09 -> String.format("Vendor Specific Information: Len=%02x", cfg8(at + 2));
            case 0x10 -> "Express (v" + (cfg16(at + 2) & 0xf) + ")";
            case 0x11 -> String.format("MSI-X: Enable%s Count=%d", pm(cfg16(at + 2) & 0x8000), (cfg16(at + 2) & 0x7ff) + 1);
            default -> String.format("capability id 0x%02x", id);
        };
    }

    private static String pm(final int bit) {
        return bit != 0 ? "+" : "-";
    }

    static String size(final long bytes) {
        if (bytes <= 0) {
            return "0";
        }
        final String[] units = {"", "K", "M", "G", "T"};
        long v = bytes;
        int u = 0;
        while (u < units.length - 1 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return v + units[u];
    }

    private static String deviceFlags(final int f) {
        final List<String> l = new ArrayList<>();
        if ((f & VfioUser.DEVICE_FLAG_RESET) != 0) {
            l.add("reset");
        }
        if ((f & VfioUser.DEVICE_FLAG_PCI) != 0) {
            l.add("pci");
        }
        return l.isEmpty() ? "none" : String.join(",", l);
    }

    static String regionFlags(final int f) {
        final List<String> l = new ArrayList<>();
        if ((f & VfioUser.REGION_FLAG_READ) != 0) {
            l.add("read");
        }
        if ((f & VfioUser.REGION_FLAG_WRITE) != 0) {
            l.add("write");
        }
        if ((f & VfioUser.REGION_FLAG_MMAP) != 0) {
            l.add("mmap");
        }
        if ((f & VfioUser.REGION_FLAG_CAPS) != 0) {
            l.add("caps");
        }
        return l.isEmpty() ? "none" : String.join(",", l);
    }

    static String irqFlags(final int f) {
        final List<String> l = new ArrayList<>();
        if ((f & VfioUser.IRQ_INFO_EVENTFD) != 0) {
            l.add("eventfd");
        }
        if ((f & VfioUser.IRQ_INFO_MASKABLE) != 0) {
            l.add("maskable");
        }
        if ((f & VfioUser.IRQ_INFO_AUTOMASKED) != 0) {
            l.add("automasked");
        }
        if ((f & VfioUser.IRQ_INFO_NORESIZE) != 0) {
            l.add("noresize");
        }
        return l.isEmpty() ? "none" : String.join(",", l);
    }

    private static String regionName(final int index) {
        return index < 6 ? "BAR" + index : index == 6 ? "ROM" : index == 7 ? "config" : index == 8 ? "VGA" : "-";
    }

    private static String irqName(final int index) {
        return switch (index) {
            case 0 -> "INTx";
            case 1 -> "MSI";
            case 2 -> "MSI-X";
            case 3 -> "ERR";
            case 4 -> "REQ";
            default -> "-";
        };
    }

    private static void line(final StringBuilder s, final String fmt, final Object... args) {
        s.append(String.format(Locale.ROOT, fmt, args)).append('\n');
    }
}
