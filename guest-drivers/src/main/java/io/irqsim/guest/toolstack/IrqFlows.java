package io.irqsim.guest.toolstack;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hw.pci.Bdf;

import java.util.function.BiFunction;

/**
 * The three ways the toolstack has handled a passed-through device's legacy interrupt
 * ({@code tools/libs/light/libxl_pci.c} {@code pci_add_dm_done}, QEMU {@code xen_pt_realize}).
 * They differ in where the interrupt number comes from, whether Xen picks the guest's pirq, and
 * which permission domctl grants it.
 */
public final class IrqFlows {

    /**
     * Xen 4.18 / a PV dom0 ({@code tools/libs/light/libxl_pci.c} {@code pci_add_dm_done}@RELEASE-4.18.0, and the
     * pirq-notion branch at RELEASE-4.20.0): the irq from sysfs (for a PV dom0 it equals the GSI),
     * {@code xc_physdev_map_pirq(domid, irq, &irq)} (pirq requested equal to the irq), then
     * {@code xc_domain_irq_permission(domid, pirq)}.
     */
    public static final IrqFlow SYSFS_IRQ = new Flow("sysfs irq -> map_pirq -> irq_permission",
        AttachStep.SYSFS_IRQ, (ctx, bdf) -> ctx.dom0().sysfsIrq(bdf), false, AttachStep.IRQ_PERMISSION);

    /**
     * The seed series: the device's GSI from privcmd (not dom0's Linux irq), mapped with the
     * same pirq number, then {@code irq_permission} on that pirq, which {@code pirq_access_permitted}
     * checks against dom0's own pirq space.
     */
    public static final IrqFlow GSI_IRQ_PERMISSION = new Flow("privcmd GSI -> map_pirq -> irq_permission",
        AttachStep.PRIVCMD_GSI, (ctx, bdf) -> ctx.dom0().privcmd().gsiFromIrq(bdf), false, AttachStep.IRQ_PERMISSION);

    /**
     * Upstream (Xen 4.20, {@code tools/libs/light/libxl_x86.c} {@code libxl__arch_hvm_map_gsi}@RELEASE-4.20.0): the
     * GSI from
     * {@code IOCTL_PRIVCMD_PCIDEV_GET_GSI}, {@code xc_physdev_map_pirq_gsi(domid, gsi, -1)} (Xen picks
     * the pirq, and returns the existing one on the second call), then
     * {@code xc_domain_gsi_permission(domid, gsi, GRANT)}.
     */
    public static final IrqFlow GSI_PERMISSION = new Flow("privcmd GSI -> map_pirq_gsi -> gsi_permission",
        AttachStep.PRIVCMD_GSI, (ctx, bdf) -> ctx.dom0().privcmd().pcidevGetGsi(bdf), true, AttachStep.GSI_PERMISSION);

    private IrqFlows() {
    }

    /** One flow: the variations are data, the calls the same. */
    private static final class Flow implements IrqFlow {
        private final String description;
        private final AttachStep sourceStep;
        private final BiFunction<Libxl, Bdf, Integer> source;
        private final boolean xenPicksPirq;
        private final AttachStep permitStep;

        Flow(final String description, final AttachStep sourceStep, final BiFunction<Libxl, Bdf, Integer> source,
             final boolean xenPicksPirq, final AttachStep permitStep) {
            this.description = description;
            this.sourceStep = sourceStep;
            this.source = source;
            this.xenPicksPirq = xenPicksPirq;
            this.permitStep = permitStep;
        }

        @Override
        public int source(final Libxl ctx, final Bdf bdf) {
            return source.apply(ctx, bdf);
        }

        @Override
        public AttachStep sourceStep() {
            return sourceStep;
        }

        /**
         * {@code tools/libs/ctrl/xc_physdev.c} {@code xc_physdev_map_pirq} / {@code xc_physdev_map_pirq_gsi}@RELEASE-4.20.0
         * (the same at RELEASE-4.18.0 for the former): {@code PHYSDEVOP_map_pirq} for the guest.
         */
        @Override
        public int map(final Libxl ctx, final Domain domU, final int irq) {
            // xc_physdev_map_pirq asks for pirq == index; xc_physdev_map_pirq_gsi passes -1 (Xen picks)
            final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domU.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, irq,
                xenPicksPirq ? -1 : irq);
            final int rc = ctx.xen().physdev().mapPirq(ctx.dom0().domain(), map);
            return rc < 0 ? rc : map.pirq;
        }

        /**
         * {@code xc_domain_gsi_permission} ({@code XEN_DOMCTL_gsi_permission}, RELEASE-4.20.0) or
         * {@code xc_domain_irq_permission} ({@code XEN_DOMCTL_irq_permission}, RELEASE-4.18.0).
         */
        @Override
        public int permit(final Libxl ctx, final Domain domU, final int irq, final int pirq) {
            final Domain dom0 = ctx.dom0().domain();
            return permitStep == AttachStep.GSI_PERMISSION
                ? ctx.xen().domctl().gsiPermission(dom0, domU.id(), irq, DomctlOps.GSI_GRANT)
                : ctx.xen().domctl().irqPermission(dom0, domU.id(), pirq, true);
        }

        @Override
        public AttachStep permitStep() {
            return permitStep;
        }

        @Override
        public String describe() {
            return description;
        }
    }
}
