package io.irqsim.guest.toolstack;

import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.passthrough.BindPtIrq;
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
 * {@code xc_domain_bind_pt_pci_irq}). libxl's {@code do_pci_add} runs it (QMP {@code device_add})
 * before anything else of the attach, and its interrupt failures do not fail the attach.
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

    /**
     * What {@link #realize} did.
     *
     * @param presented the device as the guest sees it, or {@code null} if {@code device_add} failed
     * @param machineIrq the irq or GSI it mapped (what {@link IrqFlow#source} gave it), 0 if none
     * @param pirq the guest pirq it bound, -1 if INTx is not bound
     * @param guestGsi the guest GSI the INTx drives, -1 if not bound
     * @param failedStep the call that failed: {@link AttachStep#DEVICE_ADD} fails the attach; a failed
     *     {@link AttachStep#DM_MAP_PIRQ} or {@link AttachStep#BIND_PT_IRQ} only disables INTx
     * @param rc that call's errno, 0 if none failed
     */
    public record Realized(PciFunction presented, int machineIrq, int pirq, int guestGsi, AttachStep failedStep,
                           int rc) {
    }

    /**
     * QEMU's {@code xen_pt_realize} (QEMU {@code hw/xen/xen_pt.c} {@code xen_pt_realize}@v9.2.0): opens the
     * host device (its irq: the flow's {@link IrqFlow#source}; an unreadable sysfs irq fails {@code device_add};
     * a missing GSI, for the flows that ask privcmd, leaves INTx disabled; the upstream PVH-dom0 path, QEMU commit
     * cfcacbab38e {@code xen_pt_map_pirq_for_gsi}, maps GSI 0 like any other),
     * presents it at the guest slot with its BAR, then, if it has an interrupt pin,
     * {@code xc_physdev_map_pirq} and {@code xc_domain_bind_pt_pci_irq}. A map failure sets
     * {@code PCI_COMMAND_INTX_DISABLE} and skips the bind; a bind failure sets it and unmaps the pirq
     * ({@code xc_physdev_unmap_pirq}). Either way the device stays, without INTx, and realize succeeds.
     *
     * @param ctx the toolstack (its flow decides where the irq comes from and how it is mapped)
     * @param physical the physical function
     * @param slot the guest device number
     * @return what it did
     */
    public Realized realize(final Libxl ctx, final PciFunction physical, final int slot) {
        final int pin = physical.interruptPin();
        final int source = pin == 0 ? 0 : ctx.flow().source(ctx, physical.bdf());
        if (source < 0 && ctx.flow().sourceStep() == AttachStep.SYSFS_IRQ) {
            // xen_host_pci_device_get cannot read the irq: realize errors out, device_add returns an error
            ctx.step(AttachStep.DEVICE_ADD, physical.bdf().sbdf(), source, "device model: device_add %s: cannot read "
                + "the host device's irq: %s", physical.bdf(), Errno.name(source));
            return new Realized(null, 0, -1, -1, AttachStep.DEVICE_ADD, source);
        }
        final PciFunction presented = present(physical, slot);
        // QEMU's PVH-dom0 path (xen_pt_map_pirq_for_gsi, commit cfcacbab38e) maps any GSI >= 0, GSI 0 included; the
        // pin (irqsim's stand-in for QEMU's sysfs-irq test) decides "no pin interrupt"
        final boolean mapsGsiZero = pin != 0 && ctx.flow().mapsGsiZero();
        if (source < 0 || source == 0 && !mapsGsiZero) {
            if (source == 0) {
                return new Realized(presented, 0, -1, -1, null, 0); // "no pin interrupt"
            }
            // the PVH-dom0 QEMU patch asks privcmd for the GSI; without one there is nothing to map
            ctx.step(ctx.flow().sourceStep(), physical.bdf().sbdf(), source, "device model: %s for %s = %s",
                ctx.flow().sourceStep().label(), physical.bdf(), Errno.name(source));
            intxDisable(ctx, physical);
            return new Realized(presented, 0, -1, -1, ctx.flow().sourceStep(), source);
        }
        final int pirq = ctx.flow().map(ctx, domU, source);
        ctx.step(AttachStep.DM_MAP_PIRQ, source, pirq, "device model: map_pirq(d%d, %d) = %s", domU.id(), source,
            pirq < 0 ? Errno.name(pirq) : "pirq " + pirq);
        if (pirq < 0) {
            intxDisable(ctx, physical);
            return new Realized(presented, source, -1, -1, AttachStep.DM_MAP_PIRQ, pirq);
        }
        final int intx = pin - 1;
        final Domain dom0 = ctx.dom0().domain();
        final int rc = ctx.xen().domctl().bindPtIrq(dom0, domU.id(), new BindPtIrq(pirq, 0, slot, intx));
        ctx.step(AttachStep.BIND_PT_IRQ, pirq, rc, "device model: bind_pt_irq(d%d, pirq %d, 00:%02x INT%c) = %s",
            domU.id(), pirq, slot, (char) ('A' + intx), Errno.name(rc));
        if (rc != 0) {
            final int urc = ctx.xen().physdev().unmapPirq(dom0, domU.id(), pirq);
            ctx.step(AttachStep.DM_UNMAP_PIRQ, pirq, urc, "device model: unmap_pirq(d%d, pirq %d) = %s", domU.id(),
                pirq, Errno.name(urc));
            intxDisable(ctx, physical);
            return new Realized(presented, source, -1, -1, AttachStep.BIND_PT_IRQ, rc);
        }
        return new Realized(presented, source, pirq, HvmIrq.pciIntxGsi(slot, intx), null, 0);
    }

    /** {@code xen_host_pci_set_word(PCI_COMMAND, ... | PCI_COMMAND_INTX_DISABLE)} on the real device. */
    private static void intxDisable(final Libxl ctx, final PciFunction physical) {
        final int cmd = physical.configRead(PciConfigRegisters.COMMAND, 2);
        physical.configWrite(PciConfigRegisters.COMMAND, 2, cmd | PciConfigRegisters.COMMAND_INTX_DISABLE);
        ctx.log("qemu", "%s: interrupt binding failed, PCI_COMMAND_INTX_DISABLE set; the device stays without INTx",
            physical.bdf());
    }

    /** @return the guest's PCI bus */
    public PciRoot bus() {
        return bus;
    }

    /**
     * Presents a physical device at a guest slot and maps its BAR0 (QEMU {@code hw/xen/xen_pt.c}
     * {@code xen_pt_register_regions} and {@code xen_pt_config_init}@v9.2.0, simplified: identity, pin and BAR0
     * only; the BAR is mapped straight through as {@code xc_domain_memory_mapping} does).
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
