package io.irqsim.hv.passthrough;

import io.irqsim.hv.Errno;
import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The edges of {@code pt_irq_create_bind} / {@code pt_irq_destroy_bind}, {@code hvm_dirq_assist} and
 * {@code hvm_dpci_eoi} ({@code xen/drivers/passthrough/x86/hvm.c}@RELEASE-4.18.0): the pirq range, the
 * highest virtual slot and pin, the undo of a failed {@code pirq_guest_bind}, the IOMMU gate on guest EOIs and
 * the hardware domain's edge GSIs ({@code HVM_IRQ_DPCI_NO_EOI}).
 */
class PtIrqBindEdgesTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    /** map_pirq(domU, gsi, -1) and gsi_permission after setup_gsi: the toolstack's steps before bind_pt_irq. */
    private static int mapForGuest(final Rig rig, final Domain dom0, final Domain domu) {
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, DomctlOps.GSI_GRANT));
        return map.pirq;
    }

    /**
     * {@code pt_irq_create_bind}: {@code pirq < 0 || pirq >= d->nr_pirqs} is -EINVAL, checked before the
     * domain's {@code hvm_irq_dpci} is allocated.
     */
    @Test
    void createBindRefusesPirqsOutsideTheDomainsPirqSpaceBeforeAllocatingDpci() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int nr = domu.pirqs().nrPirqs();
        assertEquals(-Errno.EINVAL, rig.xen.passthrough().ptIrqCreateBind(domu, new BindPtIrq(nr, 0, 5, 0)));
        assertEquals(-Errno.EINVAL, rig.xen.passthrough().ptIrqCreateBind(domu, new BindPtIrq(-1, 0, 5, 0)));
        assertNull(domu.dpci(), "no hvm_irq_dpci allocated for a refused pirq");
        assertNull(domu.pirqs().get(nr - 1));
        final List<TraceRecord> binds = rig.records(HvEvent.PT_BIND);
        assertEquals(2, binds.size());
        assertEquals(nr, binds.get(0).a());
        assertEquals(-Errno.EINVAL, binds.get(0).c());
        assertEquals(5 << 8, binds.get(0).b(), "bus << 16 | device << 8 | intx");
    }

    /**
     * {@code pt_irq_create_bind}: a pirq with no IRQ behind it fails in {@code pirq_guest_bind} (-EINVAL) and the
     * {@code dev_intx_gsi_link}, the {@code girq} mapping and the {@code link_cnt} it added are taken back,
     * {@code flags} = 0; the {@code hvm_irq_dpci} itself stays.
     */
    @Test
    void failedGuestBindTakesBackTheIntxMappingAndLinkCount() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int unmapped = domu.pirqs().nrPirqs() - 1;
        assertEquals(-Errno.EINVAL, rig.xen.passthrough().ptIrqCreateBind(domu, new BindPtIrq(unmapped, 0, 5, 1)));
        final HvmIrqDpci dpci = domu.dpci();
        assertTrue(dpci != null, "hvm_irq_dpci was allocated before the bind failed, and stays");
        // device 5 INTB: GSI ((5 << 2) + (5 >> 3) + 1) & 31) + 16 = 37, link (5 + 1) & 3 = 2
        assertTrue(dpci.girqs(37).isEmpty());
        assertEquals(0, dpci.linkCount(2));
        final PirqDpci pd = domu.pirqs().get(unmapped).dpci();
        assertTrue(pd.digls().isEmpty());
        assertEquals(0, pd.flags());
        assertEquals(-Errno.EINVAL, rig.records(HvEvent.PT_BIND).get(0).c());
    }

    /**
     * The highest virtual slot and pin, device 31 INTD, and device 0 INTA bound to one pirq: guest GSIs 18 and 16
     * ({@code hvm_pci_intx_gsi}), links 2 and 0 ({@code hvm_pci_intx_link}); {@code hvm_dirq_assist} asserts both
     * and counts two pending EOIs.
     */
    @Test
    void highestAndLowestVirtualIntxOfOnePirqAreBothAssertedByTheSoftirq() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = mapForGuest(rig, dom0, domu);
        assertEquals(0, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 31, 3)));
        assertEquals(0, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 0, 0)));
        final HvmIrqDpci dpci = domu.dpci();
        assertEquals(List.of(new HvmIrqDpci.Girq(0, 31, 3, pirq)), dpci.girqs(18));
        assertEquals(List.of(new HvmIrqDpci.Girq(0, 0, 0, pirq)), dpci.girqs(16));
        assertEquals(1, dpci.linkCount(2));
        assertEquals(1, dpci.linkCount(0));
        assertEquals(0, dpci.linkCount(1) + dpci.linkCount(3));
        final PirqDpci pd = domu.pirqs().get(pirq).dpci();
        assertEquals(List.of(new PirqDpci.Digl(0, 31, 3), new PirqDpci.Digl(0, 0, 0)), pd.digls());
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertTrue(domu.hvmIrq().isPciIntxAsserted(31, 3));
        assertTrue(domu.hvmIrq().isPciIntxAsserted(0, 0));
        assertEquals(1, domu.hvmIrq().gsiAssertCount(18));
        assertEquals(1, domu.hvmIrq().gsiAssertCount(16));
        assertEquals(2, pd.pending());
        assertFalse(pd.isMasked(), "the softirq consumed the masked flag");
        final TraceRecord assist = rig.records(HvEvent.DPCI_ASSIST).get(0);
        assertEquals(pirq, assist.a());
        assertEquals(domu.id(), assist.domain(), "the softirq runs for the guest");
        assertEquals(2, assist.b(), "two lines asserted");
        assertEquals(2, assist.c(), "two EOIs pending");
        // the guest EOIs GSI 18 then GSI 16: the second completes the physical interrupt
        rig.xen.passthrough().hvmDpciEoi(domu, 18);
        assertFalse(domu.hvmIrq().isPciIntxAsserted(31, 3));
        assertEquals(1, pd.pending());
        assertEquals(0, rig.count(HvEvent.PHYS_EOI));
        rig.xen.passthrough().hvmDpciEoi(domu, 16);
        assertEquals(0, pd.pending());
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
        final List<TraceRecord> eois = rig.records(HvEvent.DPCI_EOI);
        assertEquals(2, eois.size());
        assertEquals(18, eois.get(0).a());
        assertEquals(pirq, eois.get(0).b());
        assertEquals(1, eois.get(0).c());
        assertEquals(0, eois.get(1).c());
    }

    /**
     * {@code pt_irq_destroy_bind}: the girq must match bus, device, INTx and machine pirq; one of the two lines
     * going leaves the pirq bound ("partial"), and an asserted line is deasserted with it.
     */
    @Test
    void destroyBindRemovesOnlyTheMatchingLineAndKeepsThePirqBoundForTheOther() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = mapForGuest(rig, dom0, domu);
        assertEquals(0, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 5, 0)));
        assertEquals(0, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 6, 0)));
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        nic.setInterruptRequest(true);
        rig.xen.drain();
        assertTrue(domu.hvmIrq().isPciIntxAsserted(5, 0));
        // another bus, another INTx, another pirq: no such girq
        assertEquals(-Errno.EINVAL, rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 1, 5, 0)));
        assertEquals(-Errno.EINVAL, rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 5, 1)));
        assertEquals(1, domu.dpci().girqs(HvmIrq.pciIntxGsi(5, 0)).size());
        assertEquals(0, rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 5, 0)));
        assertTrue(domu.dpci().girqs(HvmIrq.pciIntxGsi(5, 0)).isEmpty());
        assertFalse(domu.hvmIrq().isPciIntxAsserted(5, 0), "the unbound line is deasserted");
        assertTrue(domu.hvmIrq().isPciIntxAsserted(6, 0), "the other line is not");
        final PirqDpci pd = domu.pirqs().get(pirq).dpci();
        assertEquals(List.of(new PirqDpci.Digl(0, 6, 0)), pd.digls());
        assertTrue(pd.has(PirqDpci.MAPPED), "partial unmap: the pirq stays bound");
        assertTrue(rig.xen.irqDescs().desc(GSI).isGuest());
        assertEquals(0, domu.dpci().linkCount(HvmIrq.pciIntxLink(5, 0)), "link (5 + 0) & 3 = 1 lost its line");
        assertEquals(1, domu.dpci().linkCount(HvmIrq.pciIntxLink(6, 0)));
        final List<TraceRecord> unbinds = rig.records(HvEvent.PT_UNBIND);
        assertEquals(3, unbinds.size());
        assertEquals(pirq, unbinds.get(2).a());
        assertEquals(5 << 8, unbinds.get(2).b());
        assertEquals(0, unbinds.get(2).c());
        assertEquals(1 << 16 | 5 << 8, unbinds.get(0).b());
        assertEquals(-Errno.EINVAL, unbinds.get(0).c());
        // the last line: final unmap, flags cleared, the IRQ unbound
        assertEquals(0, rig.xen.domctl().unbindPtIrq(dom0, domu.id(), new BindPtIrq(pirq, 0, 6, 0)));
        assertEquals(0, pd.flags());
        assertEquals(0, pd.pending());
        assertFalse(pd.isMasked());
        assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
    }

    /** {@code pt_irq_destroy_bind}: a pirq the domain has no {@code struct pirq} for, or no hvm_irq_dpci yet: -EINVAL. */
    @Test
    void destroyBindOfAnUnknownPirqOrBeforeAnyBindingIsEinval() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(-Errno.EINVAL, rig.xen.passthrough().ptIrqDestroyBind(domu, new BindPtIrq(40, 0, 5, 0)));
        final int pirq = mapForGuest(rig, dom0, domu);
        assertNull(domu.dpci());
        assertEquals(-Errno.EINVAL, rig.xen.passthrough().ptIrqDestroyBind(domu, new BindPtIrq(pirq, 0, 5, 0)));
        assertEquals(2, rig.count(HvEvent.PT_UNBIND));
    }

    /**
     * {@code hvm_dpci_eoi} and {@code hvm_do_IRQ_dpci} begin with {@code is_iommu_enabled(d)}: without an IOMMU
     * context a guest EOI deasserts nothing and counts no EOI, and a physical interrupt is not taken for
     * passthrough.
     */
    @Test
    void withoutAnIommuContextGuestEoisAndPhysicalInterruptsBypassPassthrough() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final GuestDriver drv = GuestDriver.attach(domu, rig.device(DefaultPlatform.NIC));
        drv.eoi = false;
        rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
        rig.xen.drain();
        final PirqDpci pd = domu.pirqs().get(pirq).dpci();
        assertEquals(1, pd.pending());
        domu.setIommuEnabled(false);
        rig.xen.passthrough().hvmDpciEoi(domu, HvmIrq.pciIntxGsi(5, 0));
        assertEquals(1, pd.pending());
        assertTrue(domu.hvmIrq().isPciIntxAsserted(5, 0));
        assertFalse(rig.xen.passthrough().hvmDoIrqDpci(domu, domu.pirqs().get(pirq)));
        assertFalse(pd.isMasked());
        domu.setIommuEnabled(true);
        assertTrue(rig.xen.passthrough().hvmDoIrqDpci(domu, domu.pirqs().get(pirq)));
        assertTrue(pd.isMasked(), "hvm_do_IRQ_dpci sets masked for the softirq");
    }

    /**
     * {@code hvm_dpci_eoi} past the guest's GSIs, and of a GSI with no girq, does nothing
     * ({@code girq[guest_gsi]} is empty).
     */
    @Test
    void guestEoiOfAGsiWithoutBindingsChangesNothing() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final PirqDpci pd = domu.pirqs().get(pirq).dpci();
        pd.setPending(1);
        rig.xen.passthrough().hvmDpciEoi(domu, 48);
        rig.xen.passthrough().hvmDpciEoi(domu, 47);
        assertEquals(1, pd.pending());
        assertEquals(0, rig.count(HvEvent.DPCI_EOI));
    }

    /**
     * A guest EOI nothing was pending for: {@code pending} is a {@code uint16_t} and {@code --pending} wraps to
     * 0xFFFF, which is not 0, so {@code hvm_pirq_eoi} does not call {@code pirq_guest_eoi}.
     */
    @Test
    void unexpectedGuestEoiWrapsTheSixteenBitPendingCount() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        rig.xen.passthrough().hvmDpciEoi(domu, HvmIrq.pciIntxGsi(5, 0));
        assertEquals(0xFFFF, domu.pirqs().get(pirq).dpci().pending());
        assertEquals(0, rig.count(HvEvent.PIRQ_GUEST_EOI));
    }

    /**
     * The hardware domain's identity binding of an edge GSI ({@code vioapic_hwdom_map_gsi} then
     * {@code pt_irq_create_bind}): flags {@code MAPPED | MACH_PCI | GUEST_PCI | IDENTITY_GSI | NO_EOI}, not
     * shareable; {@code hvm_dirq_assist} sends the edge with {@code hvm_gsi_assert} and counts no pending EOI.
     */
    @Test
    void hardwareDomainEdgeGsiIsBoundWithNoEoiAndNeverCountsAPendingEoi() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Vcpu v = dom0.vcpu(0);
        Rig.enableVlapic(v);
        final long edgeLow = Rte.of(0x61, Rte.DM_FIXED, false, true, false, false, 0);
        Rig.writeRte(v, GSI, edgeLow | Rte.MASKED);
        Rig.writeRte(v, GSI, edgeLow);
        final PirqDpci pd = dom0.pirqs().get(GSI).dpci();
        assertEquals(PirqDpci.MAPPED | PirqDpci.MACH_PCI | PirqDpci.GUEST_PCI | PirqDpci.IDENTITY_GSI
            | PirqDpci.NO_EOI, pd.flags());
        assertFalse(rig.xen.irqDescs().desc(GSI).isShareable(), "an edge GSI is bound without WILL_SHARE");
        final GuestDriver drv = GuestDriver.attach(dom0, rig.device(DefaultPlatform.NIC));
        rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, drv.vectors.size());
        assertEquals(0x61, drv.vectors.get(0));
        assertEquals(0, pd.pending(), "NO_EOI: no guest EOI is waited for");
        final TraceRecord assist = rig.records(HvEvent.DPCI_ASSIST).get(0);
        assertEquals(GSI, assist.a());
        assertEquals(1, assist.b());
        assertEquals(0, assist.c());
    }

    /**
     * The hardware domain's identity binding of a level GSI: flags without {@code NO_EOI}, shareable; one
     * pending EOI per interrupt, and {@code hvm_gsi_eoi} completes it.
     */
    @Test
    void hardwareDomainLevelGsiCountsOnePendingEoiPerInterrupt() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Vcpu v = dom0.vcpu(0);
        Rig.enableVlapic(v);
        Rig.writeRte(v, GSI, Rig.pciLevelLow(0x61, true));
        Rig.writeRte(v, GSI, Rig.pciLevelLow(0x61, false));
        final PirqDpci pd = dom0.pirqs().get(GSI).dpci();
        assertEquals(PirqDpci.MAPPED | PirqDpci.MACH_PCI | PirqDpci.GUEST_PCI | PirqDpci.IDENTITY_GSI, pd.flags());
        assertTrue(rig.xen.irqDescs().desc(GSI).isShareable());
        final GuestDriver drv = GuestDriver.attach(dom0, rig.device(DefaultPlatform.NIC));
        drv.eoi = false;
        rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
        rig.xen.drain();
        assertEquals(1, pd.pending());
        assertEquals(1, dom0.hvmIrq().gsiAssertCount(GSI), "hvm_gsi_assert pins a level GSI's count to 1");
        drv.lateEoi();
        rig.xen.drain();
        assertEquals(0, pd.pending());
        assertEquals(0, dom0.hvmIrq().gsiAssertCount(GSI), "hvm_gsi_deassert");
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
    }

    /**
     * {@code pt_irq_create_bind} for the hardware domain identity-maps GSIs only: a pirq at or past
     * {@code nr_gsis}, or a GSI no vIO-APIC has a pin for ({@code vioapic_get_trigger_mode} &lt; 0), is -EINVAL;
     * a PV domain has no {@code hvm_irq} to bind into.
     */
    @Test
    void hardwareDomainBindsOnlyGsisItsVioapicsHavePinsFor() {
        final Rig rig = Rig.boot(Rig.defaultPlatformWithSecondIoApic(30), XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final int nrGsis = dom0.hvmIrq().nrGsis();
        assertTrue(dom0.pirqs().nrPirqs() > nrGsis);
        assertEquals(-Errno.EINVAL, rig.xen.passthrough().ptIrqCreateBind(dom0, new BindPtIrq(nrGsis, 0, 0, 0)));
        assertEquals(-Errno.EINVAL, rig.xen.passthrough().ptIrqCreateBind(dom0, new BindPtIrq(26, 0, 0, 0)),
            "GSI 26 lies between the IO-APICs (24 pins, then base 30)");
        assertEquals(0, dom0.pirqs().get(26).dpci().flags());
        final Rig pv = Rig.boot(XenConfig.XEN_4_20);
        final Domain pvDom0 = pv.pvDom0();
        assertEquals(-Errno.EINVAL, pv.xen.passthrough().ptIrqCreateBind(pvDom0, new BindPtIrq(GSI, 0, 0, 0)));
        assertNull(pvDom0.pirqs().get(GSI), "refused before pirq_get_info");
    }

    /**
     * {@code dpci_softirq} skips a dying domain: a physical interrupt taken for passthrough
     * ({@code hvm_do_IRQ_dpci}) asserts no guest line once the domain is being destroyed.
     */
    @Test
    void softirqAssertsNothingForADyingDomain() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        assertTrue(rig.xen.passthrough().hvmDoIrqDpci(domu, domu.pirqs().get(pirq)));
        domu.setDying();
        rig.xen.drain();
        assertFalse(domu.hvmIrq().isPciIntxAsserted(5, 0));
        assertEquals(0, domu.pirqs().get(pirq).dpci().pending());
        assertEquals(0, rig.count(HvEvent.DPCI_ASSIST));
    }
}
