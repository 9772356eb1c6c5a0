package io.irqsim.dm.vfiouser;

import io.irqsim.dm.net.proto.Msg;
import io.irqsim.guest.toolstack.DeviceModel;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.PortIo;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the BARs and ROM of a vfio-user device plugged into a guest ({@link VfioUserGuestDevice})
 * are: memory BARs and the ROM in the slot's MMIO window, I/O BARs in the guest's port space
 * ({@link PortIo}, Xen's {@code handle_pio}), each programmed into the function's BAR registers and
 * mapped to the region the device answers with; and the undoing of it when a plug fails half-way.
 */
final class VfioUserBarWindows {

    /** Makes the device's handler of one region: a BAR (index 0..5) or the ROM. */
    @FunctionalInterface
    interface Regions {
        MmioDevice region(int index, String name, boolean readOnly);
    }

    private final Domain guest;
    private final int[] ioPorts = {-1, -1, -1, -1, -1, -1};
    private final List<Long> mmioBases = new ArrayList<>();
    private long romAddress = -1;

    VfioUserBarWindows(final Domain guest) {
        this.guest = guest;
    }

    /**
     * Places and maps each BAR and the ROM. Memory BARs go in the slot's 64 KiB window
     * ({@link DeviceModel}'s layout), one after another in index order, each naturally aligned;
     * then the ROM. What is mapped is remembered as it goes, so {@link #unmap} undoes a map that
     * failed part-way.
     *
     * @return the layout for the plug's log line ({@code BAR0 MMIO 0x...+0x..., ROM ...}), empty without BARs
     * @throws IOException if an I/O BAR finds no room in the port space
     */
    String map(final VfioUserConfigSpace view, final VfioUserBars bars, final Bdf bdf, final int slot,
               final Regions regions) throws IOException {
        long next = DeviceModel.GUEST_MMIO_BASE + (long) slot * 0x10000;
        for (int i = 0; i < Msg.BARS; i++) {
            final long size = bars.sizes()[i];
            if (size == 0) {
                continue;
            }
            if (bars.io()[i]) {
                final int port = freePorts(guest, size);
                ioPorts[i] = port;
                view.configWrite(PciConfigRegisters.BAR0 + 4 * i, 4, port);
                guest.ports().map(port, (int) size, regions.region(i, "vfio-user." + bdf + ".io" + i, false));
                continue;
            }
            next = (next + size - 1) & -size;
            view.configWrite(PciConfigRegisters.BAR0 + 4 * i, 4, (int) next);
            guest.mapEmulated(next, size, regions.region(i, "vfio-user." + bdf + ".bar" + i, false));
            mmioBases.add(next);
            next += size;
        }
        if (bars.romSize() > 0) {
            final long size = Math.max(2048, Long.highestOneBit(bars.romSize() - 1) << 1);
            next = (next + size - 1) & -size;
            view.defineRom(size, next);
            guest.mapEmulated(next, size, regions.region(VfioUser.REGION_ROM, "vfio-user." + bdf + ".rom", true));
            mmioBases.add(next);
            romAddress = next;
        }
        final StringBuilder where = new StringBuilder();
        for (int i = 0; i < Msg.BARS; i++) {
            if (bars.sizes()[i] > 0) {
                where.append(String.format(", BAR%d %s 0x%x+0x%x", i, bars.io()[i] ? "I/O ports" : "MMIO",
                    bars.io()[i] ? ioPorts[i] : view.barAddress(i), bars.sizes()[i]));
            }
        }
        if (romAddress >= 0) {
            where.append(String.format(", ROM 0x%x+0x%x", romAddress, view.romSize()));
        }
        return where.length() > 0 ? where.substring(2) : "";
    }

    /** Unmaps the ports and MMIO windows mapped so far. */
    void unmap() {
        for (final int port : ioPorts) {
            if (port >= 0 && guest.ports().deviceAt(port) != null) {
                guest.ports().unmap(port);
            }
        }
        for (final long base : mmioBases) {
            guest.unmap(base);
        }
    }

    /** @return the port of each I/O BAR, -1 where a BAR is not one */
    int[] ioPorts() {
        return ioPorts.clone();
    }

    /** @return the guest-physical address of the ROM, -1 without one */
    long romAddress() {
        return romAddress;
    }

    /**
     * Where an I/O BAR goes: the lowest free naturally aligned range from 0xc000 (hvmloader's PCI I/O
     * window, {@code tools/firmware/hvmloader/pci.c}), else from 0x1000 below it.
     */
    private static int freePorts(final Domain domain, final long size) throws IOException {
        if (size > 0x8000) {
            throw new IOException("I/O BAR of " + size + " bytes does not fit the 64 KiB port space");
        }
        for (final int from : new int[] {0xc000, 0x1000}) {
            for (long p = (from + size - 1) & -size; p + size <= PortIo.PORTS; p += size) {
                boolean free = true;
                for (long q = p; q < p + size && free; q++) {
                    free = domain.ports().deviceAt((int) q) == null;
                }
                if (free) {
                    return (int) p;
                }
            }
        }
        throw new IOException("no free I/O port range of " + size + " bytes");
    }
}
