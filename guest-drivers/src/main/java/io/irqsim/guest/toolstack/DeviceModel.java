package io.irqsim.guest.toolstack;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.pci.PciRoot;
import io.irqsim.hw.trace.HwTrace;

/**
 * An HVM guest's device model, in the role QEMU plays for passthrough ({@code hw/xen/xen_pt.c}):
 * it owns the guest's PCI bus, presents a passed-through device there with its identity and
 * interrupt pin, maps the device's BAR straight into the guest's address space, and binds the
 * guest INTx to the machine interrupt ({@code xen_pt_realize}: map the pirq, then
 * {@code xc_domain_bind_pt_pci_irq}).
 */
public final class DeviceModel {

    /** Where the guest's passed-through BARs go: slot n's BAR0 at {@code GUEST_MMIO_BASE + n * 0x10000}. */
    public static final long GUEST_MMIO_BASE = 0xF000_0000L;

    private final Domain domU;
    private final PciRoot bus = new PciRoot();

    /**
     * @param domU the guest it serves
     */
    public DeviceModel(final Domain domU) {
        this.domU = domU;
        bus.add(new PciFunction(new Bdf(0, 0, 0), "i440fx", 0x8086, 0x1237, 0x060000, 0, HwTrace.NONE));
    }

    /** @return the guest's PCI bus */
    public PciRoot bus() {
        return bus;
    }

    /**
     * Presents a physical device at a guest slot and maps its BAR0.
     *
     * @param physical the physical function
     * @param slot the guest device number
     * @return the function as the guest sees it
     * @throws IllegalArgumentException if the slot is taken
     */
    public PciFunction present(final PciFunction physical, final int slot) {
        final Bdf guestBdf = new Bdf(0, slot, 0);
        final PciFunction f = new PciFunction(guestBdf, physical.name(), physical.vendorId(), physical.deviceId(),
            physical.classCode(), physical.interruptPin(), HwTrace.NONE);
        final MmioDevice bar = physical.barDevice(0);
        if (bar != null) {
            final long size = physical.barSize(0);
            final long gaddr = GUEST_MMIO_BASE + (long) slot * 0x10000;
            f.defineBar(0, size, false, bar);
            f.configWrite(PciConfigRegisters.BAR0, 4, (int) gaddr);
            domU.mapDirect(gaddr, size, bar); // passed-through MMIO: no trap
        }
        bus.add(f);
        return f;
    }
}
