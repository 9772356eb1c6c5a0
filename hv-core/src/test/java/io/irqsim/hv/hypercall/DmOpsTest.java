package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.apic.ApicBus;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code HYPERVISOR_dm_op} ({@code xen/arch/x86/hvm/dm.c}) as QEMU drives an HVM guest's
 * interrupt lines: {@code dm_op} checks the target ({@code rcu_lock_remote_domain_by_id}:
 * {@code -ESRCH}, or {@code -EPERM} on itself), that it is HVM ({@code -EINVAL}), then
 * {@code xsm_dm_op(XSM_DM_PRIV)} ({@code -EPERM}), then each sub-op its arguments.
 */
class DmOpsTest {

    Rig rig;
    Domain dom0;
    Domain domu;
    Domain other;
    Domain pv;
    Domain stubdom;
    final List<Integer> vectors = new ArrayList<>();

    @BeforeEach
    void boot() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        dom0 = rig.pvhDom0();
        domu = rig.hvmGuest("domU");
        other = rig.hvmGuest("other");
        pv = rig.xen.createDomain(new DomainConfig("pv", DomainType.PV, 1, false, false, false, true));
        stubdom = rig.xen.createDomain(new DomainConfig("stubdom", DomainType.PV, 1, false, false, false, true));
        stubdom.setDeviceModelFor(domu);
        Rig.enableVlapic(domu.vcpu(0));
        // the guest records what it takes; tests EOI explicitly once the line is released
        Rig.onInterrupt(domu, (v, vector) -> vectors.add(vector));
    }

    /** The guest programs the pin of {@code gsi} unmasked with {@code vector}. */
    void guestProgramsPin(final int gsi, final int vector, final boolean level) {
        Rig.writeRte(domu.vcpu(0), gsi, Rte.of(vector, Rte.DM_FIXED, false, level, level, false, 0));
    }

    int lastHypercallResult(final HypercallOp op) {
        int rc = Integer.MIN_VALUE;
        for (final TraceRecord r : rig.records(HvEvent.HYPERCALL)) {
            if (r.a() == op.code()) {
                rc = (int) r.c();
            }
        }
        return rc;
    }

    /** Every sub-op refused on the target checks alone. */
    void allSubOpsGive(final int expected, final Domain caller, final int domid) {
        assertEquals(expected, rig.xen.dmop().setPciIntxLevel(caller, domid, 0, 0, 3, 0, 1), "set_pci_intx_level");
        assertEquals(expected, rig.xen.dmop().setIsaIrqLevel(caller, domid, 5, 1), "set_isa_irq_level");
        assertEquals(expected, rig.xen.dmop().setPciLinkRoute(caller, domid, 0, 10), "set_pci_link_route");
        assertEquals(expected, rig.xen.dmop().injectMsi(caller, domid, ApicBus.MSI_ADDRESS_BASE, 0x45), "inject_msi");
    }

    @Nested
    class TargetChecks {

        // rcu_lock_remote_domain_by_id: no such domain -> -ESRCH; DOMID_SELF is no domain id
        @Test
        void unknownDomidAndDomidSelfGiveEsrch() {
            allSubOpsGive(-Errno.ESRCH, dom0, 66);
            allSubOpsGive(-Errno.ESRCH, dom0, Domain.DOMID_SELF);
            allSubOpsGive(-Errno.ESRCH, domu, Domain.DOMID_SELF);
            assertEquals(0, domu.hvmIrq().gsiAssertCount(HvmIrq.pciIntxGsi(3, 0)));
        }

        // rcu_lock_remote_domain_by_id: the caller's own id -> -EPERM
        @Test
        void callerAsTargetGivesEperm() {
            allSubOpsGive(-Errno.EPERM, domu, domu.id());
            allSubOpsGive(-Errno.EPERM, dom0, dom0.id());
            assertEquals(0, domu.hvmIrq().gsiAssertCount(HvmIrq.pciIntxGsi(3, 0)));
            assertTrue(vectors.isEmpty());
        }

        // dm_op: !is_hvm_domain(d) -> -EINVAL, before XSM
        @Test
        void pvTargetGivesEinvalEvenForAnUnprivilegedCaller() {
            allSubOpsGive(-Errno.EINVAL, dom0, pv.id());
            allSubOpsGive(-Errno.EINVAL, other, pv.id());
        }

        // xsm_dm_op(XSM_DM_PRIV): neither control domain nor the target's device model -> -EPERM
        @Test
        void unprivilegedCallerGetsEperm() {
            allSubOpsGive(-Errno.EPERM, other, domu.id());
            allSubOpsGive(-Errno.EPERM, stubdom, other.id());
            assertEquals(0, domu.hvmIrq().gsiAssertCount(HvmIrq.pciIntxGsi(3, 0)));
            assertEquals(0, domu.hvmIrq().pciLinkRoute(0));
            assertTrue(vectors.isEmpty());
        }

        // XSM_DM_PRIV: d->target == current->domain passes
        @Test
        void deviceModelDomainDrivesItsTarget() {
            guestProgramsPin(HvmIrq.pciIntxGsi(3, 0), 0x61, true);
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(stubdom, domu.id(), 0, 0, 3, 0, 1));
            assertEquals(List.of(0x61), vectors);
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(stubdom, domu.id(), 0, 0, 3, 0, 0));
            Rig.lapicEoi(domu.vcpu(0));
            assertEquals(0, rig.xen.dmop().injectMsi(stubdom, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x45));
            assertEquals(List.of(0x61, 0x45), vectors);
        }
    }

    @Nested
    class SetPciIntxLevel {

        // hvm_pci_intx_assert: the guest GSI of (device, intx) is asserted; a level entry delivers
        @Test
        void assertDeliversTheGuestGsiAndDeassertReleasesIt() {
            final int gsi = HvmIrq.pciIntxGsi(3, 0);
            assertEquals(28, gsi);
            guestProgramsPin(gsi, 0x61, true);
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 3, 0, 1));
            assertTrue(domu.hvmIrq().isPciIntxAsserted(3, 0));
            assertEquals(1, domu.hvmIrq().gsiAssertCount(gsi));
            assertEquals(List.of(0x61), vectors);
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 3, 0, 0));
            assertFalse(domu.hvmIrq().isPciIntxAsserted(3, 0));
            assertEquals(0, domu.hvmIrq().gsiAssertCount(gsi));
            assertEquals(0, lastHypercallResult(HypercallOp.DMOP_SET_PCI_INTX_LEVEL));
        }

        // set_pci_intx_level: domain != 0 || bus != 0 || device > 0x1f || intx > 3 -> -EINVAL;
        // level not 0/1 -> -EINVAL
        @Test
        void badArgumentsGiveEinval() {
            final int[][] bad = {
                {1, 0, 3, 0, 1}, {0, 1, 3, 0, 1}, {0, 0, 32, 0, 1}, {0, 0, -1, 0, 1},
                {0, 0, 3, 4, 1}, {0, 0, 3, -1, 1}, {0, 0, 3, 0, 2}, {0, 0, 3, 0, -1}};
            for (final int[] a : bad) {
                assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), a[0], a[1], a[2], a[3], a[4]),
                    java.util.Arrays.toString(a));
            }
            assertEquals(-Errno.EINVAL, lastHypercallResult(HypercallOp.DMOP_SET_PCI_INTX_LEVEL));
            assertFalse(domu.hvmIrq().isPciIntxAsserted(3, 0));
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 31, 3, 1), "the upper bounds are valid");
        }

        // hvm_pci_intx_assert counts per GSI: lines are shared, the GSI drops only when all deassert
        @Test
        void twoDevicesOnOneGuestGsiShareTheLine() {
            // hvm_pci_intx_gsi: device 0 INTB and device 8 INTA both reach guest GSI 17
            final int gsi = HvmIrq.pciIntxGsi(0, 1);
            assertEquals(gsi, HvmIrq.pciIntxGsi(8, 0));
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 0, 1, 1));
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 8, 0, 1));
            assertEquals(2, domu.hvmIrq().gsiAssertCount(gsi));
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 0, 1, 0));
            assertEquals(1, domu.hvmIrq().gsiAssertCount(gsi));
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 8, 0, 0));
            assertEquals(0, domu.hvmIrq().gsiAssertCount(gsi));
        }
    }

    @Nested
    class SetIsaIrqLevel {

        // hvm_isa_irq_assert: ISA IRQ n -> GSI n, IRQ 0 -> GSI 2 (hvm_isa_irq_to_gsi)
        @Test
        void assertDeliversTheIsaGsi() {
            guestProgramsPin(5, 0x35, false);
            assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 5, 1));
            assertEquals(1, domu.hvmIrq().gsiAssertCount(5));
            assertEquals(List.of(0x35), vectors);
            assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 5, 0));
            assertEquals(0, domu.hvmIrq().gsiAssertCount(5));
            assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 0, 1));
            assertEquals(1, domu.hvmIrq().gsiAssertCount(2), "ISA IRQ 0 is GSI 2");
            assertEquals(0, domu.hvmIrq().gsiAssertCount(0));
        }

        // set_isa_irq_level: isa_irq > 15 -> -EINVAL; level not 0/1 -> -EINVAL
        @Test
        void badArgumentsGiveEinval() {
            assertEquals(-Errno.EINVAL, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 16, 1));
            assertEquals(-Errno.EINVAL, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), -1, 1));
            assertEquals(-Errno.EINVAL, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 5, 2));
            assertEquals(0, domu.hvmIrq().gsiAssertCount(5));
            assertEquals(0, rig.xen.dmop().setIsaIrqLevel(dom0, domu.id(), 15, 1));
        }
    }

    @Nested
    class SetPciLinkRoute {

        // hvm_set_pci_link_route: an INTx on the link also asserts the routed ISA IRQ, and a route
        // change carries an assertion in progress to the new ISA IRQ
        @Test
        void routedLinkAssertsTheIsaIrqAndMovesWithTheRoute() {
            final int link = HvmIrq.pciIntxLink(3, 0);
            assertEquals(3, link, "(3 + 0) & 3");
            assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), link, 10));
            assertEquals(10, domu.hvmIrq().pciLinkRoute(link));
            assertEquals(0, rig.xen.dmop().setPciIntxLevel(dom0, domu.id(), 0, 0, 3, 0, 1));
            assertEquals(1, domu.hvmIrq().gsiAssertCount(10));
            assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), link, 11));
            assertEquals(0, domu.hvmIrq().gsiAssertCount(10));
            assertEquals(1, domu.hvmIrq().gsiAssertCount(11));
            assertEquals(0, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), link, 0));
            assertEquals(0, domu.hvmIrq().gsiAssertCount(11), "route 0 = disabled");
            assertEquals(1, domu.hvmIrq().gsiAssertCount(HvmIrq.pciIntxGsi(3, 0)), "the PCI GSI stays asserted");
        }

        // hvm_set_pci_link_route: link > 3 or isa_irq > 15 -> -EINVAL
        @Test
        void badArgumentsGiveEinval() {
            assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 4, 10));
            assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), -1, 10));
            assertEquals(-Errno.EINVAL, rig.xen.dmop().setPciLinkRoute(dom0, domu.id(), 0, 16));
            assertEquals(0, domu.hvmIrq().pciLinkRoute(0));
            assertEquals(-Errno.EINVAL, lastHypercallResult(HypercallOp.DMOP_SET_PCI_LINK_ROUTE));
        }
    }

    @Nested
    class InjectMsi {

        // hvm_inject_msi: the MSI address/data is delivered to the guest's vLAPICs
        @Test
        void msiReachesTheGuestVcpu() {
            assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE, 0x45));
            assertEquals(List.of(0x45), vectors);
            assertEquals(1, domu.vcpu(0).interruptsInjected());
            assertEquals(0, lastHypercallResult(HypercallOp.DMOP_INJECT_MSI));
        }

        // an MSI to an APIC id no vCPU has is accepted by the op but reaches nobody
        @Test
        void msiForAnotherApicIdIsNotDelivered() {
            assertEquals(0, rig.xen.dmop().injectMsi(dom0, domu.id(), ApicBus.MSI_ADDRESS_BASE | (7 << 12), 0x45));
            assertTrue(vectors.isEmpty());
        }
    }
}
