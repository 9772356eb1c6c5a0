package io.irqsim.guest.toolstack;

import io.irqsim.hv.Errno;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hw.pci.Bdf;

/**
 * The three ways the toolstack has handled a passed-through device's legacy interrupt
 * ({@code tools/libs/light/libxl_pci.c} {@code pci_add_dm_done}, QEMU {@code xen_pt_realize}).
 */
public final class IrqFlows {

    /**
     * Xen 4.18 / a PV dom0: the irq from sysfs (for a PV dom0 it equals the GSI),
     * {@code xc_physdev_map_pirq(domid, irq, &irq)} (pirq requested equal to the irq), then
     * {@code xc_domain_irq_permission(domid, pirq)}.
     */
    public static final IrqFlow SYSFS_IRQ = new IrqFlow() {
        @Override
        public int source(final Libxl ctx, final Bdf bdf) {
            return ctx.dom0().sysfsIrq(bdf);
        }

        @Override
        public AttachStep sourceStep() {
            return AttachStep.SYSFS_IRQ;
        }

        @Override
        public int map(final Libxl ctx, final Domain domU, final int source) {
            return mapPirq(ctx, domU, source, source);
        }

        @Override
        public int permit(final Libxl ctx, final Domain domU, final int source, final int pirq) {
            return ctx.xen().domctl().irqPermission(ctx.dom0().domain(), domU.id(), pirq, true);
        }

        @Override
        public AttachStep permitStep() {
            return AttachStep.IRQ_PERMISSION;
        }

        @Override
        public String describe() {
            return "sysfs irq -> map_pirq -> irq_permission";
        }
    };

    /**
     * The seed series: the device's GSI from privcmd (not dom0's Linux irq), mapped with the
     * same pirq number, then {@code irq_permission} on that pirq, which {@code pirq_access_permitted}
     * checks against dom0's own pirq space.
     */
    public static final IrqFlow GSI_IRQ_PERMISSION = new IrqFlow() {
        @Override
        public int source(final Libxl ctx, final Bdf bdf) {
            return ctx.dom0().privcmd().gsiFromIrq(bdf);
        }

        @Override
        public AttachStep sourceStep() {
            return AttachStep.PRIVCMD_GSI;
        }

        @Override
        public int map(final Libxl ctx, final Domain domU, final int source) {
            return mapPirq(ctx, domU, source, source);
        }

        @Override
        public int permit(final Libxl ctx, final Domain domU, final int source, final int pirq) {
            return ctx.xen().domctl().irqPermission(ctx.dom0().domain(), domU.id(), pirq, true);
        }

        @Override
        public AttachStep permitStep() {
            return AttachStep.IRQ_PERMISSION;
        }

        @Override
        public String describe() {
            return "privcmd GSI -> map_pirq -> irq_permission";
        }
    };

    /**
     * Upstream (Xen 4.20, {@code libxl__arch_hvm_map_gsi}): the GSI from
     * {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI}, {@code xc_physdev_map_pirq_gsi(domid, gsi, -1)} (Xen picks
     * the pirq, and returns the existing one on the second call), then
     * {@code xc_domain_gsi_permission(domid, gsi, GRANT)}.
     */
    public static final IrqFlow GSI_PERMISSION = new IrqFlow() {
        @Override
        public int source(final Libxl ctx, final Bdf bdf) {
            return ctx.dom0().privcmd().pcidevGetGsi(bdf);
        }

        @Override
        public AttachStep sourceStep() {
            return AttachStep.PRIVCMD_GSI;
        }

        @Override
        public int map(final Libxl ctx, final Domain domU, final int source) {
            return mapPirq(ctx, domU, source, -1);
        }

        @Override
        public int permit(final Libxl ctx, final Domain domU, final int source, final int pirq) {
            return ctx.xen().domctl().gsiPermission(ctx.dom0().domain(), domU.id(), source, DomctlOps.GSI_GRANT);
        }

        @Override
        public AttachStep permitStep() {
            return AttachStep.GSI_PERMISSION;
        }

        @Override
        public String describe() {
            return "privcmd GSI -> map_pirq_gsi -> gsi_permission";
        }
    };

    private IrqFlows() {
    }

    static int mapPirq(final Libxl ctx, final Domain domU, final int index, final int pirq) {
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domU.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, index, pirq);
        final int rc = ctx.xen().physdev().mapPirq(ctx.dom0().domain(), map);
        return rc < 0 ? rc : map.pirq;
    }

    static String name(final int rc) {
        return Errno.name(rc);
    }
}
