package io.irqsim.dm.vfiouser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a vfio-user device's BARs and ROM are, read at plug time: each BAR's size from
 * DEVICE_GET_REGION_INFO and its kind from the BAR register in config space. libvfio-user decides
 * the kind when the server sets a region up ({@code lib/pci.c} / {@code lib/libvfio-user.c:vfu_setup_region}@efd091b: a
 * BAR region without {@code VFU_REGION_FLAG_MEM} is an I/O BAR, bit 0 of its config-space register
 * set); VFIO's region flags on the wire do not say it, so config space is the authority, as for
 * QEMU's {@code hw/vfio/pci.c:vfio_bar_prepare}, which reads the BAR register too.
 *
 * @param sizes region size of BARs 0..5 (0: none, or the upper half of a 64-bit BAR)
 * @param io whether each is an I/O BAR
 * @param romSize region 6's size (0: no ROM)
 */
record VfioUserBars(long[] sizes, boolean[] io, long romSize) {

    static final int BARS = 6;

    static VfioUserBars read(final VfioUserClient vfio, final int numRegions) throws IOException {
        final ByteBuffer cfg = ByteBuffer.wrap(vfio.regionRead(VfioUser.REGION_CONFIG, 0, 64))
            .order(ByteOrder.LITTLE_ENDIAN);
        final long[] sizes = new long[BARS];
        final boolean[] io = new boolean[BARS];
        for (int i = 0; i < BARS && i < numRegions; i++) {
            final int bar = cfg.getInt(0x10 + 4 * i);
            sizes[i] = vfio.regionInfo(i).size();
            io[i] = (bar & 1) != 0;
            if (!io[i] && (bar & 0x6) == 0x4) {
                i++;            // the upper half of a 64-bit memory BAR is no BAR of its own
            }
        }
        final long rom = numRegions > VfioUser.REGION_ROM ? vfio.regionInfo(VfioUser.REGION_ROM).size() : 0;
        return new VfioUserBars(sizes, io, rom);
    }
}
