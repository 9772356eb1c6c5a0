package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The last valid and first invalid argument of the interrupt hypercalls, at RELEASE-4.18.0 and
 * RELEASE-4.20.0: {@code hvm_set_pci_link_route} ({@code xen/arch/x86/hvm/irq.c}, via
 * {@code xen/arch/x86/hvm/dm.c:dm_op}), {@code PHYSDEVOP_setup_gsi} and {@code PHYSDEVOP_eoi}
 * ({@code xen/arch/x86/physdev.c:do_physdev_op}).
 */
class HypercallArgumentBoundsTest {

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);

    // hvm_set_pci_link_route: link > 3 || isa_irq > 15 -> -EINVAL, so link 3 and ISA IRQ 15 are valid
    @Test
    void linkThreeAndIsaIrqFifteenAreTheLastValidPciLinkRoute() {
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 3, 15));
        assertEquals(15, domu.hvmIrq().pciLinkRoute(3));
        assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 4, 15));
        assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 3, 16));
        assertEquals(15, domu.hvmIrq().pciLinkRoute(3), "a refused route leaves the old one");
    }

    // PHYSDEVOP_setup_gsi: gsi < 0 || gsi >= nr_irqs_gsi -> -EINVAL; the highest GSI is accepted
    @Test
    void setupGsiAcceptsTheHighestGsiAndRefusesNrIrqsGsi() {
        final Domain dom0 = rig.pvDom0();
        final int nr = rig.xen.irqDescs().nrIrqsGsi();
        assertEquals(-Errno.EINVAL, rig.xen.physdev().setupGsi(dom0, nr, 1, 1));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, nr - 1, 1, 1));
    }

    // PHYSDEVOP_eoi: pirq < 0 || pirq >= d->nr_pirqs -> -EINVAL; an unmapped pirq in range too (no irq)
    @Test
    void eoiRefusesPirqsOutsideTheDomainsPirqSpace() {
        final Domain dom0 = rig.pvDom0();
        final int nr = dom0.pirqs().nrPirqs();
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(dom0, nr));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(dom0, -1));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(dom0, nr - 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_MSI, 0, nr - 1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(nr - 1, map.pirq, "the highest pirq can be mapped");
        assertEquals(0, rig.xen.physdev().eoi(dom0, nr - 1), "and EOI'd");
    }
}
