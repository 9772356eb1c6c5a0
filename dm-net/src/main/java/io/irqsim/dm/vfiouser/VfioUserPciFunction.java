package io.irqsim.dm.vfiouser;

import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.trace.HwTrace;

/**
 * The PCI function a guest sees for a vfio-user device: a {@link PciFunction} that can also carry
 * an expansion ROM BAR (config offset 0x30; {@link PciFunction} models BARs 0..5 only), sized from
 * region 6 as QEMU's {@code hw/vfio/pci.c:vfio_pci_size_rom} does: address bits above the size and
 * the enable bit (bit 0) writable, the rest reading zero.
 */
final class VfioUserPciFunction extends PciFunction {

    /** Expansion ROM base address register of a type-0 header. */
    static final int ROM_BAR = 0x30;

    private long romSize;

    VfioUserPciFunction(final Bdf bdf, final String name, final int vendorId, final int deviceId, final int classCode,
                        final int interruptPin) {
        super(bdf, name, vendorId, deviceId, classCode, interruptPin, HwTrace.NONE);
    }

    /**
     * Declares the ROM and programs its address (left disabled, as firmware leaves it).
     *
     * @param size a power of two, at least 2 KiB (the register's address field starts at bit 11)
     * @param address where it is placed, aligned to its size
     */
    void defineRom(final long size, final long address) {
        if (Long.bitCount(size) != 1 || size < 2048 || size > (1L << 31)) {
            throw new IllegalArgumentException(bdf() + ": ROM size " + size + " must be a power of two, 2 KiB..2 GiB");
        }
        romSize = size;
        final int writable = (int) (~(size - 1) & 0xFFFF_F800L) | 1;
        for (int i = 0; i < 4; i++) {
            mask8(ROM_BAR + i, (writable >>> (8 * i)) & 0xff);
        }
        put32(ROM_BAR, (int) address);
    }

    /** @return the ROM's size, 0 without one */
    long romSize() {
        return romSize;
    }

    /** @return the address programmed into the ROM BAR (enable bit stripped) */
    long romAddress() {
        return configRead(ROM_BAR, 4) & 0xFFFF_F800L;
    }
}
