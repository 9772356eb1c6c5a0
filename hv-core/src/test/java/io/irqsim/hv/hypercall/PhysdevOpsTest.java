package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.HypercallOp;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.irqsim.hv.hypercall.PhysdevOps.MAP_PIRQ_TYPE_GSI;
import static io.irqsim.hv.hypercall.PhysdevOps.MAP_PIRQ_TYPE_MSI;
import static io.irqsim.hv.hypercall.PhysdevOps.MAP_PIRQ_TYPE_UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code HYPERVISOR_physdev_op} as a kernel and a toolstack call it: the {@code hvm_physdev_op}
 * filter for HVM-type callers, domain lookup, XSM, and each op's own checks
 * ({@code xen/arch/x86/physdev.c}, {@code xen/arch/x86/hvm/hypercall.c}, {@code xen/arch/x86/irq.c}).
 */
class PhysdevOpsTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    static PhysdevOps.MapPirq gsiMap(final int domid, final int gsi, final int pirq) {
        return new PhysdevOps.MapPirq(domid, MAP_PIRQ_TYPE_GSI, gsi, pirq);
    }

    static Domain unprivilegedPv(final Rig rig, final String name) {
        return rig.xen.createDomain(new DomainConfig(name, DomainType.PV, 1, false, false, false, true));
    }

    @Nested
    class MapPirq {

        // hvm_physdev_op (4.18): map_pirq needs has_pirq(currd); a PVH dom0 has none
        @Test
        void pvhDom0GetsEnosysFromHvmPhysdevOpUnderXen418ForOthersAndItself() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final PhysdevOps.MapPirq map = gsiMap(domu.id(), GSI, -1);
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(-1, map.pirq, "pirq is not written back on failure");
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().mapPirq(dom0, gsiMap(Domain.DOMID_SELF, GSI, GSI)));
            // the filter runs before the domain lookup
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().mapPirq(dom0, gsiMap(77, GSI, -1)));
            assertEquals(0, domu.pirqs().mapped().size());
        }

        // the seed RFC's Xen patch: a PVH dom0 may map pirqs for other domains, not for itself
        @Test
        void pvhDom0MapsForOthersButNotItselfUnderRfcBaseline() {
            final Rig rig = Rig.boot(XenConfig.RFC_BASELINE);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final PhysdevOps.MapPirq map = gsiMap(domu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(16, map.pirq, "get_free_pirq: lowest free pirq >= 16");
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().mapPirq(dom0, gsiMap(Domain.DOMID_SELF, GSI, GSI)));
            assertEquals(0, dom0.pirqs().pirqToIrq(GSI));
        }

        // 035baa203b (4.20): map_pirq/unmap_pirq forwarded unconditionally
        @Test
        void pvhDom0MapsForOthersAndItselfUnderXen420() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final PhysdevOps.MapPirq map = gsiMap(domu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(GSI, domu.pirqs().pirqToIrq(map.pirq));
            assertEquals(map.pirq, domu.pirqs().irqToPirq(GSI));
            assertTrue(domu.irqCaps().permitted(GSI), "map_domain_pirq grants the target the IRQ");
            final PhysdevOps.MapPirq self = gsiMap(Domain.DOMID_SELF, GSI, GSI);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, self));
            assertEquals(GSI, self.pirq);
            assertEquals(GSI, dom0.pirqs().pirqToIrq(GSI));
        }

        // a PV caller never goes through hvm_physdev_op
        @Test
        void pvDom0MapsItsOwnGsiIdentityUnderXen418() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvDom0();
            final PhysdevOps.MapPirq map = gsiMap(Domain.DOMID_SELF, GSI, GSI);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(GSI, map.pirq);
            assertEquals(GSI, dom0.pirqs().pirqToIrq(GSI));
        }

        // do_physdev_op: rcu_lock_domain_by_any_id fails -> -ESRCH
        @Test
        void unknownDomidGivesEsrch() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.ESRCH, rig.xen.physdev().mapPirq(dom0, gsiMap(42, GSI, -1)));
        }

        // xsm_map_domain_pirq(XSM_DM_PRIV): neither control domain nor the target's device model
        @Test
        void unprivilegedHvmGuestMappingForAnotherGetsEpermUnderXen420() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(-Errno.EPERM, rig.xen.physdev().mapPirq(a, gsiMap(b.id(), GSI, -1)));
            assertEquals(0, b.pirqs().mapped().size());
        }

        // 1.15 caller matrix: an HVM domU without pirqs is stopped by the 4.18 filter first
        @Test
        void unprivilegedHvmGuestWithoutPirqsGetsEnosysUnderXen418() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().mapPirq(a, gsiMap(b.id(), GSI, -1)));
        }

        // 1.15 caller matrix: an HVM domU with pirqs passes the filter and is refused by XSM
        @Test
        void unprivilegedHvmGuestWithPirqsGetsEpermUnderXen418() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            rig.pvhDom0();
            final Domain a = rig.xen.createDomain(new DomainConfig("a", DomainType.HVM, 1, false, false, true, true));
            final Domain b = rig.hvmGuest("b");
            assertEquals(-Errno.EPERM, rig.xen.physdev().mapPirq(a, gsiMap(b.id(), GSI, -1)));
        }

        // XSM_DM_PRIV: a device-model domain passes for its target (the map then fails on its own
        // pirq space: allocate_and_map_gsi_pirq "map pirq with incorrect irq") and is refused for others
        @Test
        void deviceModelDomainPassesXsmForItsTargetOnly() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvhDom0();
            final Domain target = rig.hvmGuest("target");
            final Domain other = rig.hvmGuest("other");
            final Domain stubdom = unprivilegedPv(rig, "stubdom");
            stubdom.setDeviceModelFor(target);
            assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(stubdom, gsiMap(target.id(), GSI, -1)));
            assertEquals(-Errno.EPERM, rig.xen.physdev().mapPirq(stubdom, gsiMap(other.id(), GSI, -1)));
        }

        // physdev_map_pirq: unknown type -> -EINVAL
        @Test
        void badMapTypeGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(dom0,
                new PhysdevOps.MapPirq(domu.id(), MAP_PIRQ_TYPE_UNKNOWN, GSI, -1)));
            assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(dom0,
                new PhysdevOps.MapPirq(domu.id(), 7, GSI, -1)));
        }

        // allocate_and_map_gsi_pirq: index < 0 or >= nr_irqs_gsi -> -EINVAL
        @Test
        void gsiOutOfRangeGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int nrIrqsGsi = rig.xen.irqDescs().nrIrqsGsi();
            assertEquals(24, nrIrqsGsi);
            assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), nrIrqsGsi, -1)));
            assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), -1, -1)));
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), nrIrqsGsi - 1, -1)));
        }

        // map_domain_pirq: pirq < 0 or >= d->nr_pirqs -> -EINVAL
        @Test
        void requestedPirqOutOfRangeGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int nrPirqs = domu.pirqs().nrPirqs();
            assertEquals(24 + 32, nrPirqs, "nr_irqs_gsi + extra_domU_irqs");
            assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), GSI, nrPirqs)));
            assertEquals(0, domu.pirqs().mapped().size());
            assertFalse(domu.irqCaps().permitted(GSI));
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), GSI, nrPirqs - 1)));
        }

        // allocate_pirq: requested pirq != the one the irq is already mapped to -> -EEXIST
        @Test
        void requestedPirqConflictingWithExistingMappingGivesEexist() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), GSI, 20)));
            final PhysdevOps.MapPirq again = gsiMap(domu.id(), GSI, 21);
            assertEquals(-Errno.EEXIST, rig.xen.physdev().mapPirq(dom0, again));
            assertEquals(21, again.pirq, "unchanged on failure");
            assertEquals(0, domu.pirqs().pirqToIrq(21));
            // the same pirq again is fine
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), GSI, 20)));
        }

        // allocate_pirq (0d2b87b5ad, 4.19+): an "allocate" request returns the existing pirq
        @Test
        void allocateRequestReturnsThePirqTheIrqIsAlreadyMappedTo() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final PhysdevOps.MapPirq first = gsiMap(domu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, first));
            final PhysdevOps.MapPirq second = gsiMap(domu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, second));
            assertEquals(first.pirq, second.pirq);
            assertEquals(1, domu.pirqs().mapped().size());
        }

        // irq.c allocate_pirq@RELEASE-4.18.0 (before 0d2b87b5ad): "already mapped" leaves pirq at the
        // caller's -1, which allocate_and_map_gsi_pirq returns: -1 = -EPERM, the mapping untouched
        @Test
        void allocateRequestForAnAlreadyMappedIrqFailsWithEpermIn418() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvDom0();
            final Domain domu = rig.hvmGuest("domU");
            final PhysdevOps.MapPirq first = gsiMap(domu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, first));
            assertTrue(first.pirq > 0);
            final PhysdevOps.MapPirq second = gsiMap(domu.id(), GSI, -1);
            assertEquals(-Errno.EPERM, rig.xen.physdev().mapPirq(dom0, second));
            assertEquals(-1, second.pirq, "no pirq handed back");
            assertEquals(GSI, domu.pirqs().pirqToIrq(first.pirq), "the first mapping stays");
            assertEquals(1, domu.pirqs().mapped().size());
            // naming the pirq it already has is still fine in 4.18
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), GSI, first.pirq)));
        }

        // map_domain_pirq: a conflicting existing mapping is kept and 0 returned (logs only, D4 4.6)
        @Test
        void requestedPirqAlreadyUsedByAnotherIrqIsSilentlyKept() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), 16, 20)));
            final PhysdevOps.MapPirq other = gsiMap(domu.id(), 17, 20);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, other));
            assertEquals(16, domu.pirqs().pirqToIrq(20), "pirq 20 still maps irq 16");
            assertEquals(0, domu.pirqs().irqToPirq(17), "irq 17 was not mapped");
            assertFalse(domu.irqCaps().permitted(17));
        }

        // map_domain_pirq: the caller must hold the IRQ; dom0_setup_permissions leaves out IRQ 0
        @Test
        void mappingAnIrqTheCallerDoesNotHoldGivesEperm() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertFalse(dom0.irqCaps().permitted(0));
            assertEquals(-Errno.EPERM, rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), 0, -1)));
        }

        // get_free_pirq: MSI pirqs come from the top of [nr_irqs_gsi, nr_pirqs); none left -> -ENOSPC
        @Test
        void msiMapsAllocateFromTheTopUntilEnospc() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int nrPirqs = domu.pirqs().nrPirqs();
            for (int i = 0; i < nrPirqs - 24; i++) {
                final PhysdevOps.MapPirq m = new PhysdevOps.MapPirq(domu.id(), MAP_PIRQ_TYPE_MSI, 0, -1);
                assertEquals(0, rig.xen.physdev().mapPirq(dom0, m), "MSI map " + i);
                assertEquals(nrPirqs - 1 - i, m.pirq);
                assertTrue(domu.pirqs().pirqToIrq(m.pirq) >= rig.xen.irqDescs().nrIrqsGsi(), "a dynamic IRQ");
            }
            assertEquals(-Errno.ENOSPC, rig.xen.physdev().mapPirq(dom0,
                new PhysdevOps.MapPirq(domu.id(), MAP_PIRQ_TYPE_MSI, 0, -1)));
        }

        // the result is traced as a HYPERCALL record with op, GSI and errno
        @Test
        void resultIsTracedWithItsErrno() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            rig.xen.physdev().mapPirq(dom0, gsiMap(domu.id(), GSI, -1));
            final List<TraceRecord> calls = rig.records(HvEvent.HYPERCALL);
            final TraceRecord last = calls.get(calls.size() - 1);
            assertEquals(HypercallOp.PHYSDEVOP_MAP_PIRQ.code(), last.a());
            assertEquals(GSI, last.b());
            assertEquals(-Errno.ENOSYS, last.c());
            assertEquals(dom0.id(), last.domain());
        }
    }

    @Nested
    class UnmapPirq {

        // physdev_unmap_pirq -> unmap_domain_pirq: mapping removed, capability revoked
        @Test
        void unmapRemovesTheMappingAndRevokesTheIrq() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final PhysdevOps.MapPirq map = gsiMap(domu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(0, rig.xen.physdev().unmapPirq(dom0, domu.id(), map.pirq));
            assertEquals(0, domu.pirqs().pirqToIrq(map.pirq));
            assertEquals(0, domu.pirqs().irqToPirq(GSI));
            assertFalse(domu.irqCaps().permitted(GSI));
            // unmap_domain_pirq: not mapped -> -EINVAL
            assertEquals(-Errno.EINVAL, rig.xen.physdev().unmapPirq(dom0, domu.id(), map.pirq));
        }

        // unmap_domain_pirq forces a live guest binding off; the last guest leaving masks the pin
        @Test
        void unmapOfABoundPirqForcesTheUnbindAndMasksThePin() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
            assertFalse(Rte.isMasked(rig.physRte(GSI)));
            assertEquals(0, rig.xen.physdev().unmapPirq(dom0, domu.id(), pirq));
            final IrqDesc desc = rig.xen.irqDescs().desc(GSI);
            assertFalse(desc.isGuest());
            assertEquals(0, desc.nrGuests());
            assertTrue(Rte.isMasked(rig.physRte(GSI)), "pirq_guest_unbind: last guest gone, pin shut down");
        }

        // unmap_domain_pirq: pirq out of range -> -EINVAL
        @Test
        void pirqOutOfRangeGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EINVAL, rig.xen.physdev().unmapPirq(dom0, domu.id(), domu.pirqs().nrPirqs()));
            assertEquals(-Errno.EINVAL, rig.xen.physdev().unmapPirq(dom0, domu.id(), -1));
        }

        // hvm_physdev_op (4.18): unmap_pirq needs has_pirq too
        @Test
        void pvhDom0GetsEnosysUnderXen418() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().unmapPirq(dom0, domu.id(), 16));
        }

        // do_physdev_op: rcu_lock_domain_by_any_id fails -> -ESRCH
        @Test
        void unknownDomidGivesEsrch() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.ESRCH, rig.xen.physdev().unmapPirq(dom0, 99, 16));
        }

        // physdev_unmap_pirq: xsm_unmap_domain_pirq(XSM_DM_PRIV)
        @Test
        void unprivilegedGuestGetsEpermAndTheMappingStays() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            final PhysdevOps.MapPirq map = gsiMap(b.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(-Errno.EPERM, rig.xen.physdev().unmapPirq(a, b.id(), map.pirq));
            assertEquals(GSI, b.pirqs().pirqToIrq(map.pirq));
        }

        // XSM_DM_PRIV: the target's device model may unmap
        @Test
        void deviceModelDomainMayUnmapForItsTarget() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain target = rig.hvmGuest("target");
            final Domain stubdom = unprivilegedPv(rig, "stubdom");
            stubdom.setDeviceModelFor(target);
            final PhysdevOps.MapPirq map = gsiMap(target.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(0, rig.xen.physdev().unmapPirq(stubdom, target.id(), map.pirq));
            assertEquals(0, target.pirqs().pirqToIrq(map.pirq));
        }

        // unmap_domain_pirq revokes the domain's own capability: a dom0 that unmaps its own pirq
        // loses the IRQ (irq_deny_access), which later permission checks see
        @Test
        void pvDom0UnmappingItsOwnPirqLosesTheIrqCapability() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvDom0();
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(Domain.DOMID_SELF, GSI, GSI)));
            assertTrue(dom0.irqCaps().permitted(GSI));
            assertEquals(0, rig.xen.physdev().unmapPirq(dom0, Domain.DOMID_SELF, GSI));
            assertFalse(dom0.irqCaps().permitted(GSI));
        }
    }

    @Nested
    class SetupGsi {

        // hvm_physdev_op (4.18): setup_gsi is not listed -> -ENOSYS
        @Test
        void pvhDom0GetsEnosysUnderXen418AndRfcBaseline() {
            for (final XenConfig cfg : List.of(XenConfig.XEN_4_18, XenConfig.RFC_BASELINE)) {
                final Rig rig = Rig.boot(cfg);
                final Domain dom0 = rig.pvhDom0();
                assertEquals(-Errno.ENOSYS, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1), cfg.name());
                assertFalse(rig.xen.ioapicRouting().isPinProgrammed(GSI), cfg.name());
            }
        }

        // 43a1f8b38e (4.20): setup_gsi allowed for the hardware domain; mp_register_gsi programs
        // the pin masked, with no pirq, no capability change and no binding (1.18)
        @Test
        void pvhDom0RegistersTheGsiUnderXen420WithoutMappingOrBinding() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final int capsBefore = dom0.irqCaps().count();
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
            final long rte = rig.physRte(GSI);
            assertTrue(Rte.isLevel(rte));
            assertTrue(Rte.isActiveLow(rte));
            assertTrue(Rte.isMasked(rte), "io_apic_set_pci_routing leaves the pin masked");
            assertTrue(Rte.vector(rte) >= 0x30, "a dynamic vector was assigned");
            assertTrue(rig.xen.ioapicRouting().isPinProgrammed(GSI));
            assertEquals(0, dom0.pirqs().pirqToIrq(GSI));
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
            assertEquals(capsBefore, dom0.irqCaps().count());
        }

        // hvm_physdev_op (4.20): setup_gsi is hardware-domain only
        @Test
        void hvmGuestGetsEnosysUnderXen420() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().setupGsi(domu, GSI, 1, 1));
        }

        // do_physdev_op: range check, then xsm_resource_setup_gsi(XSM_PRIV)
        @Test
        void unprivilegedPvGuestGetsEpermAfterTheRangeCheck() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvDom0();
            final Domain pv = unprivilegedPv(rig, "pvU");
            assertEquals(-Errno.EPERM, rig.xen.physdev().setupGsi(pv, GSI, 1, 1));
            assertEquals(-Errno.EINVAL, rig.xen.physdev().setupGsi(pv, 24, 1, 1));
            assertFalse(rig.xen.ioapicRouting().isPinProgrammed(GSI));
        }

        // do_physdev_op: gsi < 0 or gsi >= nr_irqs_gsi -> -EINVAL
        @Test
        void gsiOutOfRangeGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.EINVAL, rig.xen.physdev().setupGsi(dom0, 24, 1, 1));
            assertEquals(-Errno.EINVAL, rig.xen.physdev().setupGsi(dom0, -1, 1, 1));
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, 23, 1, 1));
        }

        // do_physdev_op PHYSDEVOP_setup_gsi (@RELEASE-4.18.0 and 4.20.0): the range check is gsi < 0, so GSI 0
        // passes it and reaches mp_register_gsi (xen/arch/x86/mpparse.c), which looks at irq_to_desc(0): IRQ 0
        // carries Xen's timer (xen/arch/x86/time.c:early_time_init setup_irq(0, 0, &irq0); io_apic.c:check_timer
        // clears IRQ_DISABLED), enabled with a real handler, so -EEXIST and pin 0 is never programmed. Before,
        // irqsim's IRQ 0 was disabled and the call programmed pin 0 and returned 0.
        @Test
        void setupGsiZeroGetsEexistBecauseXensTimerOwnsIrqZero() {
            for (final XenConfig config : new XenConfig[] {XenConfig.XEN_4_18, XenConfig.XEN_4_20}) {
                final Rig rig = Rig.boot(config);
                final Domain dom0 = rig.pvDom0(); // PV: 4.18 filters PHYSDEVOP_setup_gsi for a PVH dom0
                assertEquals(-Errno.EEXIST, rig.xen.physdev().setupGsi(dom0, 0, 1, 1), config.name());
                final List<TraceRecord> regs = rig.records(HvEvent.GSI_REGISTER);
                assertEquals(1, regs.size(), "mp_register_gsi ran");
                assertEquals(0, regs.get(0).a(), "for GSI 0");
                assertEquals(Rte.RESET, rig.physRte(0), "pin 0 untouched");
                assertFalse(rig.xen.ioapicRouting().isPinProgrammed(0), "pin_programmed is never reached");
            }
        }

        // mp_register_gsi: pin_programmed is set once; the second call gets -EEXIST and the first
        // trigger/polarity stay on the physical RTE
        @Test
        void secondSetupGetsEexistAndTheFirstTriggerAndPolarityStick() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 0, 0));
            final long first = rig.physRte(GSI);
            assertEquals(-Errno.EEXIST, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
            assertEquals(first, rig.physRte(GSI));
            assertFalse(Rte.isLevel(rig.physRte(GSI)));
            assertFalse(Rte.isActiveLow(rig.physRte(GSI)));
            final List<TraceRecord> regs = rig.records(HvEvent.GSI_REGISTER);
            assertEquals(2, regs.size());
            assertEquals(-Errno.EEXIST, regs.get(1).c());
        }

        // mp_register_gsi: an IRQ already live with a real handler gives -EEXIST even though its
        // pin was never registered (an ISA IRQ Xen set up at boot, bound by a guest)
        @Test
        void liveIsaIrqGetsEexistAndKeepsItsBootProgramming() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvDom0();
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(Domain.DOMID_SELF, 4, 4)));
            assertEquals(0, rig.xen.evtchn().bindPirq(dom0, 4, false));
            final long live = rig.physRte(4);
            assertFalse(Rte.isMasked(live));
            assertFalse(rig.xen.ioapicRouting().isPinProgrammed(4));
            assertEquals(-Errno.EEXIST, rig.xen.physdev().setupGsi(dom0, 4, 1, 1));
            assertEquals(live, rig.physRte(4));
            assertFalse(Rte.isLevel(rig.physRte(4)));
        }

        // a PV dom0 is never filtered
        @Test
        void pvDom0RegistersUnderXen418() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvDom0();
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
            assertTrue(rig.xen.ioapicRouting().isPinProgrammed(GSI));
        }

        // mp_register_gsi programs one pin: the rest of the physical table is untouched
        @Test
        void setupGsiTouchesOnlyItsOwnPin() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final long[] before = rig.physTable();
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
            final long[] after = rig.physTable();
            after[GSI] = before[GSI];
            assertArrayEquals(before, after);
        }
    }

    @Nested
    class Eoi {

        // hvm_physdev_op: eoi needs has_pirq in every version
        @Test
        void pvhDom0GetsEnosysEvenUnderXen420() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().eoi(dom0, GSI));
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.ENOSYS, rig.xen.physdev().eoi(domu, GSI));
        }

        // PHYSDEVOP_eoi: pirq >= nr_pirqs or no pirq struct -> -EINVAL
        @Test
        void pvDom0EoiOfAnUnmappedOrOutOfRangePirqGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvDom0();
            assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(dom0, GSI));
            assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(dom0, dom0.pirqs().nrPirqs()));
            assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(dom0, -1));
        }

        // PHYSDEVOP_eoi on a mapped pirq -> pirq_guest_eoi, 0
        @Test
        void pvDom0EoiOfAMappedPirqSucceeds() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvDom0();
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(Domain.DOMID_SELF, GSI, GSI)));
            assertEquals(0, rig.xen.physdev().eoi(dom0, GSI));
        }
    }
}
