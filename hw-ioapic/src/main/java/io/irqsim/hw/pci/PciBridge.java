package io.irqsim.hw.pci;

import io.irqsim.hw.trace.HwTrace;

import static io.irqsim.hw.pci.PciConfigRegisters.*;

/**
 * A PCI-to-PCI bridge (type-1 header). Devices on its secondary bus have their INTx lines
 * swizzled onto the bridge's own slot on the primary bus (PCI-to-PCI Bridge Architecture
 * Specification 1.2, table 9-1; Linux {@code pci_swizzle_interrupt_pin}).
 */
public final class PciBridge extends PciFunction {

    /**
     * @param bdf the bridge's address on its primary bus
     * @param name for diagnostics
     * @param vendorId vendor ID
     * @param deviceId device ID
     * @param secondaryBus the bus behind it
     * @param trace trace
     */
    public PciBridge(final Bdf bdf, final String name, final int vendorId, final int deviceId,
                     final int secondaryBus, final HwTrace trace) {
        super(bdf, name, vendorId, deviceId, 0x060400, 0, HEADER_TYPE_BRIDGE, trace);
        if (secondaryBus <= bdf.bus() || secondaryBus > 0xFF) {
            throw new IllegalArgumentException(bdf + ": secondary bus " + secondaryBus
                + " must be above the primary bus " + bdf.bus());
        }
        put8(PRIMARY_BUS, bdf.bus());
        put8(SECONDARY_BUS, secondaryBus);
        put8(SUBORDINATE_BUS, secondaryBus);
        mask8(PRIMARY_BUS, 0xFF);
        mask8(SECONDARY_BUS, 0xFF);
        mask8(SUBORDINATE_BUS, 0xFF);
    }

    /** @return the secondary bus number as programmed */
    public int secondaryBus() {
        return configRead(SECONDARY_BUS, 1);
    }

    @Override
    public boolean isBridge() {
        return true;
    }

    /**
     * The standard swizzle: the primary-side pin a secondary-side device's pin appears on.
     *
     * @param slot the device number on the secondary bus
     * @param pin 1..4 (INTA..INTD)
     * @return 1..4
     */
    public static int swizzle(final int slot, final int pin) {
        return ((pin - 1 + slot) % 4) + 1;
    }
}
