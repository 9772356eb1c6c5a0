package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.passthrough.PirqDpci;
import io.irqsim.hv.policy.IrqPermissionPolicy;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.irqsim.hv.hypercall.DomctlOps.GSI_GRANT;
import static io.irqsim.hv.hypercall.DomctlOps.GSI_REVOKE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code HYPERVISOR_domctl} as the toolstack and a device model call it. {@code do_domctl}
 * ({@code xen/common/domctl.c}) resolves the target with {@code rcu_lock_domain_by_id} (no
 * {@code DOMID_SELF}: {@code -ESRCH}), then asks XSM ({@code xsm_domctl}: {@code XSM_PRIV}, or
 * {@code XSM_DM_PRIV} for {@code bind_pt_irq}/{@code unbind_pt_irq}; {@code -EPERM}) before any
 * argument of the sub-op is looked at.
 */
class DomctlOpsTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    static PhysdevOps.MapPirq gsiMap(final int domid, final int gsi, final int pirq) {
        return new PhysdevOps.MapPirq(domid, PhysdevOps.MAP_PIRQ_TYPE_GSI, gsi, pirq);
    }

    static Domain stubdom(final Rig rig, final Domain target) {
        final Domain s = rig.xen.createDomain(new DomainConfig("stubdom", DomainType.PV, 1, false, false, false, true));
        s.setDeviceModelFor(target);
        return s;
    }

    /** A PVH dom0 that unmasks GSI 16 on its vIO-APIC (level, low): vioapic_hwdom_map_gsi maps dom0 pirq 16. */
    static void dom0Unmasks(final Domain dom0, final int gsi) {
        Rig.writeRte(dom0.vcpu(0), gsi, Rig.pciLevelLow(0x61, true));
        Rig.writeRte(dom0.vcpu(0), gsi, Rig.pciLevelLow(0x61, false));
    }

    @Nested
    class IrqPermission {

        // XEN_DOMCTL_irq_permission -> pirq_access_permitted(current->domain, pirq) == 0 -> -EPERM:
        // the seed thread's failure (a PVH dom0 has no pirq for a GSI it never unmasked)
        @Test
        void pvhDom0WithoutAPirqMappingGetsEperm() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EPERM, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true));
            assertFalse(domu.irqCaps().permitted(GSI));
            final List<TraceRecord> checks = rig.records(HvEvent.PERMISSION_CHECK);
            final TraceRecord last = checks.get(checks.size() - 1);
            assertEquals(GSI, last.a());
            assertEquals(HvEvent.CHECK_PIRQ_ACCESS, last.b());
            assertEquals(0, last.c(), "pirq_access_permitted found no irq");
        }

        // once vioapic_hwdom_map_gsi mapped dom0 pirq 16 (first unmask) the check passes and the
        // target is granted the IRQ; allow = 0 revokes it (irq_deny_access)
        @Test
        void pvhDom0WithAMappingGrantsAndRevokes() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            dom0Unmasks(dom0, GSI);
            assertEquals(GSI, dom0.pirqs().pirqToIrq(GSI));
            assertEquals(0, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true));
            assertTrue(domu.irqCaps().permitted(GSI));
            assertEquals(0, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, false));
            assertFalse(domu.irqCaps().permitted(GSI));
        }

        // PV dom0: pirq == GSI by Linux convention, mapped by PHYSDEVOP_map_pirq
        @Test
        void pvDom0WithItsOwnMappingGrants() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EPERM, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true));
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(Domain.DOMID_SELF, GSI, GSI)));
            assertEquals(0, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true));
            assertTrue(domu.irqCaps().permitted(GSI));
        }

        // the thread's Xen-internal fix: the hardware domain is checked on the GSI's IRQ
        @Test
        void hwdomGsiFallbackGrantsWithoutAMapping() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20.withIrqPermission(IrqPermissionPolicy.HWDOM_GSI_FALLBACK));
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(0, dom0.pirqs().pirqToIrq(GSI));
            assertEquals(0, rig.xen.domctl().irqPermission(dom0, domu.id(), GSI, true));
            assertTrue(domu.irqCaps().permitted(GSI));
            // IRQ 0 is not dom0's (dom0_setup_permissions starts at 1)
            assertEquals(-Errno.EPERM, rig.xen.domctl().irqPermission(dom0, domu.id(), 0, true));
        }

        // the fallback is for the hardware domain only
        @Test
        void hwdomGsiFallbackDoesNotHelpAnotherCaller() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20.withIrqPermission(IrqPermissionPolicy.HWDOM_GSI_FALLBACK));
            rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(-Errno.EPERM, rig.xen.domctl().irqPermission(a, b.id(), GSI, true));
            assertFalse(b.irqCaps().permitted(GSI));
        }

        // do_domctl: rcu_lock_domain_by_id(op->domain) == NULL -> -ESRCH; DOMID_SELF is no domain id
        @Test
        void unknownDomidAndDomidSelfGiveEsrch() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            dom0Unmasks(dom0, GSI);
            assertEquals(-Errno.ESRCH, rig.xen.domctl().irqPermission(dom0, 55, GSI, true));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().irqPermission(dom0, Domain.DOMID_SELF, GSI, true));
        }

        // pirq >= current->domain->nr_pirqs -> -EINVAL
        @Test
        void pirqOutOfTheCallersRangeGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EINVAL, rig.xen.domctl().irqPermission(dom0, domu.id(), dom0.pirqs().nrPirqs(), true));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().irqPermission(dom0, domu.id(), -1, true));
        }

        // xsm_domctl(XSM_PRIV) runs before the pirq is looked at: an unprivileged caller gets
        // -EPERM whatever the pirq
        @Test
        void unprivilegedCallerGetsEpermBeforeAnyArgumentCheck() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(a.id(), GSI, GSI)));
            assertEquals(-Errno.EPERM, rig.xen.domctl().irqPermission(a, b.id(), GSI, true),
                "a holds pirq 16 -> irq 16 but is no control domain");
            assertEquals(-Errno.EPERM, rig.xen.domctl().irqPermission(a, b.id(), a.pirqs().nrPirqs(), true));
            assertFalse(b.irqCaps().permitted(GSI));
        }
    }

    @Nested
    class GsiPermission {

        // d6e9a2aab3 (4.20): XEN_DOMCTL_gsi_permission needs no dom0 pirq mapping
        @Test
        void pvhDom0GrantsAndRevokesWithoutAMapping() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, GSI_GRANT));
            assertTrue(domu.irqCaps().permitted(GSI));
            assertEquals(0, dom0.pirqs().pirqToIrq(GSI), "no mapping was made");
            assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, GSI_REVOKE));
            assertFalse(domu.irqCaps().permitted(GSI));
        }

        // before 4.20 the sub-op does not exist: arch_do_domctl's default -ENOSYS
        @Test
        void absentBeforeXen420GivesEnosys() {
            for (final XenConfig cfg : List.of(XenConfig.XEN_4_18, XenConfig.RFC_BASELINE,
                XenConfig.XEN_4_20.withGsiPermission(false))) {
                final Rig rig = Rig.boot(cfg);
                final Domain dom0 = rig.pvhDom0();
                final Domain domu = rig.hvmGuest("domU");
                assertEquals(-Errno.ENOSYS, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, GSI_GRANT), cfg.name());
                assertFalse(domu.irqCaps().permitted(GSI));
            }
        }

        // do_domctl looks up the domain and asks XSM before dispatching the sub-op
        @Test
        void lookupAndXsmComeBeforeTheMissingSubOp() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(-Errno.ESRCH, rig.xen.domctl().gsiPermission(dom0, 77, GSI, GSI_GRANT));
            assertEquals(-Errno.EPERM, rig.xen.domctl().gsiPermission(a, b.id(), GSI, GSI_GRANT));
        }

        // do_domctl: rcu_lock_domain_by_id(op->domain) == NULL -> -ESRCH; DOMID_SELF is no domain id
        @Test
        void unknownDomidAndDomidSelfGiveEsrch() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.ESRCH, rig.xen.domctl().gsiPermission(dom0, 77, GSI, GSI_GRANT));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().gsiPermission(dom0, Domain.DOMID_SELF, GSI, GSI_GRANT));
        }

        // flags & ~XEN_DOMCTL_GSI_ACTION_MASK -> -EINVAL
        @Test
        void unknownFlagBitsGiveEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            for (final int flags : new int[] {2, GSI_GRANT | 2, 0x8000_0000, 0xFF}) {
                assertEquals(-Errno.EINVAL, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, flags),
                    "flags " + flags);
            }
            assertFalse(domu.irqCaps().permitted(GSI));
        }

        // gsi_2_irq: gsi > highest GSI -> -ERANGE (the GSI is unsigned in Xen: -1 is huge)
        @Test
        void gsiBeyondTheHighestGivesErange() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.ERANGE, rig.xen.domctl().gsiPermission(dom0, domu.id(), 24, GSI_GRANT));
            assertEquals(-Errno.ERANGE, rig.xen.domctl().gsiPermission(dom0, domu.id(), -1, GSI_GRANT));
            assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), 23, GSI_GRANT));
        }

        // io_apic.c gsi_2_irq@RELEASE-4.20.0 "return irq ?: -EINVAL": GSI 2 (IRQ 0 under the IRQ0 -> GSI2
        // override) is -EINVAL before domctl.c's "ret = irq ?: -EACCES" sees it
        @Test
        void gsiPermissionForTheGsiOfIsaIrq0IsEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EINVAL, rig.xen.domctl().gsiPermission(dom0, domu.id(), 2, GSI_GRANT));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().gsiPermission(dom0, domu.id(), 0, GSI_GRANT),
                "GSI 0: no MP entry, irq = gsi_base + pin = 0");
            assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), 1, GSI_GRANT));
            assertFalse(domu.irqCaps().permitted(0));
            assertFalse(domu.irqCaps().permitted(2));
        }

        // gsi_2_irq: no IO-APIC has the GSI (a hole between two IO-APICs) -> -EINVAL
        @Test
        void gsiInAHoleBetweenIoApicsGivesEinval() {
            final Rig rig = Rig.boot(Rig.defaultPlatformWithSecondIoApic(32), XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EINVAL, rig.xen.domctl().gsiPermission(dom0, domu.id(), 28, GSI_GRANT));
            assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), 33, GSI_GRANT));
            assertTrue(domu.irqCaps().permitted(33));
        }

        // xsm_domctl(XSM_PRIV) first: an unprivileged caller gets -EPERM even with bad arguments
        @Test
        void unprivilegedCallerGetsEpermBeforeAnyArgumentCheck() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(-Errno.EPERM, rig.xen.domctl().gsiPermission(a, b.id(), GSI, GSI_GRANT));
            assertEquals(-Errno.EPERM, rig.xen.domctl().gsiPermission(a, b.id(), GSI, 2));
            assertEquals(-Errno.EPERM, rig.xen.domctl().gsiPermission(a, b.id(), 2, GSI_GRANT));
            assertEquals(-Errno.EPERM, rig.xen.domctl().gsiPermission(a, b.id(), 99, GSI_GRANT));
            assertFalse(b.irqCaps().permitted(GSI));
        }

        // !irq_access_permitted(currd, irq) -> -EPERM: a dom0 that gave the IRQ up (unmap of its
        // own pirq revokes it) cannot grant it
        @Test
        void callerWithoutTheIrqGetsEperm() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(Domain.DOMID_SELF, GSI, GSI)));
            assertEquals(0, rig.xen.physdev().unmapPirq(dom0, Domain.DOMID_SELF, GSI));
            assertEquals(-Errno.EPERM, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, GSI_GRANT));
            assertFalse(domu.irqCaps().permitted(GSI));
            final List<TraceRecord> checks = rig.records(HvEvent.PERMISSION_CHECK);
            final TraceRecord last = checks.get(checks.size() - 1);
            assertEquals(HvEvent.CHECK_IRQ_ACCESS, last.b());
            assertEquals(0, last.c());
        }
    }

    @Nested
    class BindPtIrqOp {

        // pt_irq_create_bind: the target's pirq drives the guest GSI of its virtual INTx; the first
        // binding binds the physical IRQ to the guest (pirq_guest_bind, shareable) and unmasks it
        @Test
        void bindRecordsTheGuestIntxAndBindsThePhysicalIrq() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
            final int guestGsi = HvmIrq.pciIntxGsi(5, 0);
            assertEquals(36, guestGsi, "((5 << 2) + (5 >> 3) + 0) & 31) + 16");
            assertEquals(1, domu.dpci().girqs(guestGsi).size());
            assertEquals(pirq, domu.dpci().girqs(guestGsi).get(0).pirq());
            assertEquals(1, domu.dpci().linkCount(HvmIrq.pciIntxLink(5, 0)));
            final PirqDpci pd = domu.pirqs().get(pirq).dpci();
            assertTrue(pd.has(PirqDpci.MAPPED) && pd.has(PirqDpci.MACH_PCI) && pd.has(PirqDpci.GUEST_PCI));
            assertTrue(rig.xen.irqDescs().desc(GSI).isGuest());
            assertTrue(rig.xen.irqDescs().desc(GSI).isShareable());
            assertSame(domu, rig.xen.irqDescs().desc(GSI).guest(0));
            assertFalse(Rte.isMasked(rig.physRte(GSI)), "pirq_guest_bind started the IRQ");
            final List<TraceRecord> binds = rig.records(HvEvent.PT_BIND);
            assertEquals(1, binds.size());
            assertEquals(domu.id(), binds.get(0).domain());
            assertEquals(5 << 8, binds.get(0).b());
            assertEquals(0, binds.get(0).c());
        }

        // do_domctl: rcu_lock_domain_by_id(op->domain) == NULL -> -ESRCH; DOMID_SELF is no domain id
        @Test
        void unknownDomidAndDomidSelfGiveEsrch() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.ESRCH, rig.xen.domctl().bindPtIrq(dom0, 9, new BindPtIrq(GSI, 0, 5, 0)));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().bindPtIrq(dom0, Domain.DOMID_SELF, new BindPtIrq(GSI, 0, 5, 0)));
        }

        // xsm_domctl: bind_pt_irq is XSM_DM_PRIV, checked before is_hvm_domain
        @Test
        void unprivilegedCallerGetsEpermEvenForAPvTarget() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            final Domain pv = rig.xen.createDomain(new DomainConfig("pv", DomainType.PV, 1, false, false, true, true));
            final PhysdevOps.MapPirq map = gsiMap(b.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(-Errno.EPERM, rig.xen.domctl().bindPtIrq(a, b.id(), new BindPtIrq(map.pirq, 0, 5, 0)));
            assertEquals(-Errno.EPERM, rig.xen.domctl().bindPtIrq(a, pv.id(), new BindPtIrq(map.pirq, 0, 5, 0)));
            assertNull(b.dpci());
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
        }

        // bind_pt_irq: !is_hvm_domain(d) -> -EINVAL
        @Test
        void pvTargetGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain pv = rig.xen.createDomain(new DomainConfig("pv", DomainType.PV, 1, false, false, true, true));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().bindPtIrq(dom0, pv.id(), new BindPtIrq(GSI, 0, 5, 0)));
        }

        // domain_pirq_to_irq(d, machine_irq) <= 0 -> -EPERM
        @Test
        void pirqNotMappedInTheTargetGivesEperm() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EPERM, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(GSI, 0, 5, 0)));
            assertNull(domu.dpci());
        }

        // XSM_DM_PRIV lets the target's device model in; it must still hold the IRQ itself
        @Test
        void deviceModelDomainBindsForItsTargetOnlyAndOnlyWithTheIrq() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain target = rig.hvmGuest("target");
            final Domain other = rig.hvmGuest("other");
            final Domain dm = stubdom(rig, target);
            final PhysdevOps.MapPirq t = gsiMap(target.id(), GSI, -1);
            final PhysdevOps.MapPirq o = gsiMap(other.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, t));
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, o));
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
            // irq_access_permitted(currd, irq): the stub domain has not been given the IRQ yet
            assertEquals(-Errno.EPERM, rig.xen.domctl().bindPtIrq(dm, target.id(), new BindPtIrq(t.pirq, 0, 5, 0)));
            assertEquals(0, rig.xen.domctl().gsiPermission(dom0, dm.id(), GSI, GSI_GRANT));
            assertEquals(0, rig.xen.domctl().bindPtIrq(dm, target.id(), new BindPtIrq(t.pirq, 0, 5, 0)));
            assertEquals(-Errno.EPERM, rig.xen.domctl().bindPtIrq(dm, other.id(), new BindPtIrq(o.pirq, 0, 5, 0)));
            assertNull(other.dpci());
        }

        // bind_pt_irq: !is_iommu_enabled(d) -> -ESRCH
        @Test
        void targetWithoutIommuGivesEsrch() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain noIommu = rig.xen.createDomain(
                new DomainConfig("noiommu", DomainType.HVM, 1, false, false, false, false));
            final PhysdevOps.MapPirq map = gsiMap(noIommu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().bindPtIrq(dom0, noIommu.id(), new BindPtIrq(map.pirq, 0, 5, 0)));
        }

        // pt_irq_create_bind: device > 31 or intx > 3 -> -EINVAL, nothing recorded
        @Test
        void deviceOrIntxOutOfRangeGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final PhysdevOps.MapPirq map = gsiMap(domu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 32, 0)));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 5, 4)));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, -1, 0)));
            assertFalse(domu.pirqs().get(map.pirq).dpci().has(PirqDpci.MAPPED));
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
        }

        // pirq_guest_bind: an IRQ bound without WILL_SHARE refuses every other guest -> -EBUSY,
        // and pt_irq_create_bind undoes the guest INTx it recorded
        @Test
        void irqBoundExclusivelyElsewhereGivesEbusy() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, gsiMap(Domain.DOMID_SELF, GSI, GSI)));
            assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
            assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, false));
            final PhysdevOps.MapPirq map = gsiMap(domu.id(), GSI, -1);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
            assertEquals(-Errno.EBUSY, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 5, 0)));
            assertTrue(domu.dpci().girqs(HvmIrq.pciIntxGsi(5, 0)).isEmpty());
            assertEquals(0, domu.dpci().linkCount(HvmIrq.pciIntxLink(5, 0)));
            assertEquals(1, rig.xen.irqDescs().desc(GSI).nrGuests());
            assertSame(dom0, rig.xen.irqDescs().desc(GSI).guest(0));
        }
    }

    @Nested
    class UnbindPtIrqOp {

        // pt_irq_destroy_bind: the last INTx of the pirq gone -> pirq_guest_unbind, pin masked
        @Test
        void unbindRemovesTheGuestIntxAndReleasesThePhysicalIrq() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
            assertEquals(0, rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 5, 0)));
            assertTrue(domu.dpci().girqs(HvmIrq.pciIntxGsi(5, 0)).isEmpty());
            assertFalse(domu.pirqs().get(pirq).dpci().has(PirqDpci.MAPPED));
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
            assertTrue(Rte.isMasked(rig.physRte(GSI)));
            assertEquals(GSI, domu.pirqs().pirqToIrq(pirq), "the pirq mapping itself stays");
            // the same binding is not there any more
            assertEquals(-Errno.EINVAL, rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 5, 0)));
        }

        // do_domctl: rcu_lock_domain_by_id(op->domain) == NULL -> -ESRCH; DOMID_SELF is no domain id
        @Test
        void unknownDomidAndDomidSelfGiveEsrch() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.ESRCH, rig.xen.domctl().unbindPtIrq(dom0, 9, new BindPtIrq(GSI, 0, 5, 0)));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().unbindPtIrq(dom0, Domain.DOMID_SELF, new BindPtIrq(GSI, 0, 5, 0)));
        }

        // xsm_domctl(XSM_DM_PRIV) comes first
        @Test
        void unprivilegedCallerGetsEpermAndTheBindingStays() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final Domain other = rig.hvmGuest("other");
            final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
            assertEquals(-Errno.EPERM, rig.xen.domctl().unbindPtIrq(other, domu.id(), new BindPtIrq(pirq, 0, 5, 0)));
            assertEquals(1, domu.dpci().girqs(HvmIrq.pciIntxGsi(5, 0)).size());
            assertTrue(rig.xen.irqDescs().desc(GSI).isGuest());
        }

        // unbind_pt_irq: !is_hvm_domain(d) -> -EINVAL
        @Test
        void pvTargetGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain pv = rig.xen.createDomain(new DomainConfig("pv", DomainType.PV, 1, false, false, true, true));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().unbindPtIrq(dom0, pv.id(), new BindPtIrq(GSI, 0, 5, 0)));
        }

        // unbind_pt_irq: domain_pirq_to_irq <= 0 -> -EPERM
        @Test
        void unmappedPirqGivesEperm() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.EPERM, rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(30, 0, 5, 0)));
        }

        // pt_irq_destroy_bind: no girq with that device/INTx -> -EINVAL, the real binding stays
        @Test
        void bindingThatDoesNotExistGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
            assertEquals(-Errno.EINVAL, rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 6, 0)));
            assertTrue(rig.xen.irqDescs().desc(GSI).isGuest());
        }

        // XSM_DM_PRIV: the device model may unbind for its target
        @Test
        void deviceModelDomainMayUnbindForItsTarget() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
            final Domain dm = stubdom(rig, domu);
            assertEquals(0, rig.xen.domctl().gsiPermission(dom0, dm.id(), GSI, GSI_GRANT));
            assertEquals(0, rig.xen.domctl().unbindPtIrq(dm, domu.id(), new BindPtIrq(pirq, 0, 5, 0)));
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
        }
    }

    @Nested
    class AssignDevice {

        // assign_device / deassign_device: ownership moves from the hardware domain to the guest and back
        @Test
        void assignAndDeassignMoveTheDeviceBetweenDom0AndTheGuest() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
            assertEquals(0, rig.xen.domctl().assignDevice(dom0, domu.id(), DefaultPlatform.NIC));
            assertSame(domu, rig.xen.deviceOwner(DefaultPlatform.NIC));
            assertTrue(domu.assignedDevices().contains(DefaultPlatform.NIC));
            assertEquals(0, rig.xen.domctl().deassignDevice(dom0, domu.id(), DefaultPlatform.NIC));
            assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
            assertTrue(domu.assignedDevices().isEmpty());
        }

        // do_domctl: rcu_lock_domain_by_id(op->domain) == NULL -> -ESRCH; DOMID_SELF is no domain id
        @Test
        void unknownDomidAndDomidSelfGiveEsrch() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.ESRCH, rig.xen.domctl().assignDevice(dom0, 4, DefaultPlatform.NIC));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().assignDevice(dom0, Domain.DOMID_SELF, DefaultPlatform.NIC));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().deassignDevice(dom0, 4, DefaultPlatform.NIC));
        }

        // xsm_domctl(XSM_PRIV) before the device lookup -> -EPERM
        @Test
        void unprivilegedCallerGetsEperm() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(-Errno.EPERM, rig.xen.domctl().assignDevice(a, b.id(), DefaultPlatform.NIC));
            assertEquals(-Errno.EPERM, rig.xen.domctl().assignDevice(a, b.id(), new Bdf(0, 0x1f, 0)));
            assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
            assertEquals(0, rig.xen.domctl().assignDevice(dom0, b.id(), DefaultPlatform.NIC));
            assertEquals(-Errno.EPERM, rig.xen.domctl().deassignDevice(a, b.id(), DefaultPlatform.NIC));
            assertSame(b, rig.xen.deviceOwner(DefaultPlatform.NIC));
        }

        // device_assigned: no such pci_dev -> -ENODEV
        @Test
        void unknownBdfGivesEnodev() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(-Errno.ENODEV, rig.xen.domctl().assignDevice(dom0, domu.id(), new Bdf(0, 0x1f, 0)));
            assertEquals(-Errno.ENODEV, rig.xen.domctl().deassignDevice(dom0, domu.id(), new Bdf(0, 0x1f, 0)));
            assertTrue(domu.assignedDevices().isEmpty());
        }

        // device_assigned: owned by neither the hardware domain nor dom_io -> -EBUSY, also when
        // the owner is the target itself
        @Test
        void deviceOwnedByAGuestGivesEbusy() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(0, rig.xen.domctl().assignDevice(dom0, a.id(), DefaultPlatform.NIC));
            assertEquals(-Errno.EBUSY, rig.xen.domctl().assignDevice(dom0, b.id(), DefaultPlatform.NIC));
            assertEquals(-Errno.EBUSY, rig.xen.domctl().assignDevice(dom0, a.id(), DefaultPlatform.NIC));
            assertSame(a, rig.xen.deviceOwner(DefaultPlatform.NIC));
            assertTrue(b.assignedDevices().isEmpty());
        }

        // "Don't support self-assignment of devices": d == current->domain -> -EINVAL
        @Test
        void selfAssignmentGivesEinval() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            assertEquals(-Errno.EINVAL, rig.xen.domctl().assignDevice(dom0, dom0.id(), DefaultPlatform.NIC));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().deassignDevice(dom0, dom0.id(), DefaultPlatform.NIC));
            assertEquals(-Errno.EINVAL, rig.xen.domctl().assignDevice(dom0, dom0.id(), new Bdf(0, 0x1f, 0)),
                "the self check comes before the device lookup");
        }

        // deassign_device: pci_get_pdev(d, sbdf) finds nothing -> -ENODEV
        @Test
        void deassignOfADeviceTheDomainDoesNotHoldGivesEnodev() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain a = rig.hvmGuest("a");
            final Domain b = rig.hvmGuest("b");
            assertEquals(-Errno.ENODEV, rig.xen.domctl().deassignDevice(dom0, a.id(), DefaultPlatform.NIC));
            assertEquals(0, rig.xen.domctl().assignDevice(dom0, a.id(), DefaultPlatform.NIC));
            assertEquals(-Errno.ENODEV, rig.xen.domctl().deassignDevice(dom0, b.id(), DefaultPlatform.NIC));
            assertSame(a, rig.xen.deviceOwner(DefaultPlatform.NIC));
        }
    }
}
