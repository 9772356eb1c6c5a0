package io.irqsim.hv.irq;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The range checks of the pirq mapping functions ({@code xen/arch/x86/irq.c@RELEASE-4.18.0}, same
 * at {@code RELEASE-4.20.0}): {@code map_domain_pirq} ({@code -EPERM} unless the caller holds the
 * IRQ, then {@code pirq} in {@code [0, nr_pirqs)} and {@code irq} in {@code (0, nr_irqs)}, an
 * existing other mapping kept with 0), {@code unmap_domain_pirq} ({@code -EINVAL} outside
 * {@code [0, nr_pirqs)} or for a pirq without a positive IRQ) and {@code allocate_and_map_gsi_pirq}
 * ({@code index} in {@code [0, nr_irqs_gsi)}, read as a pirq of the caller).
 */
class PirqMappingBoundsTest {

    private final Rig rig = Rig.boot(XenConfig.XEN_4_20);
    private final Domain dom0 = rig.pvDom0();
    private final Domain domu = rig.hvmGuest("domU");
    private final PirqMapping m = rig.xen.pirqMapping();
    private final int nrPirqs = domu.pirqs().nrPirqs();
    private final int nrIrqs = rig.xen.irqDescs().nrIrqs();

    // map_domain_pirq: irq_access_permitted(current->domain, irq) is checked before the ranges
    @Test
    void aCallerWithoutTheIrqGetsEpermBeforeAnyRangeCheck() {
        assertEquals(-Errno.EPERM, m.mapDomainPirq(domu, domu, -1, 20));
        assertEquals(-Errno.EPERM, m.mapDomainPirq(domu, domu, nrPirqs, 20));
        final List<TraceRecord> maps = rig.records(HvEvent.PIRQ_MAP);
        assertEquals(-Errno.EPERM, maps.get(maps.size() - 1).c());
    }

    // map_domain_pirq: "pirq < 0 || pirq >= d->nr_pirqs" -> -EINVAL; the last pirq is fine
    @Test
    void thePirqMustBeBelowNrPirqs() {
        assertEquals(-Errno.EINVAL, m.mapDomainPirq(dom0, domu, -1, 20));
        assertEquals(-Errno.EINVAL, m.mapDomainPirq(dom0, domu, nrPirqs, 20));
        assertFalse(domu.irqCaps().permitted(20));
        assertEquals(0, m.mapDomainPirq(dom0, domu, nrPirqs - 1, 20));
        assertEquals(20, domu.pirqs().pirqToIrq(nrPirqs - 1));
        assertEquals(0, m.mapDomainPirq(dom0, domu, 0, 21), "pirq 0 is in range");
        assertEquals(21, domu.pirqs().pirqToIrq(0));
    }

    // map_domain_pirq: "irq <= 0 || irq >= nr_irqs" -> -EINVAL even for a caller that holds it
    @Test
    void theIrqMustBeAboveZeroAndBelowNrIrqs() {
        m.setIrqAccess(dom0, 0, true);
        m.setIrqAccess(dom0, nrIrqs, true);
        m.setIrqAccess(dom0, nrIrqs - 1, true);
        assertEquals(-Errno.EINVAL, m.mapDomainPirq(dom0, domu, 30, 0));
        assertEquals(-Errno.EINVAL, m.mapDomainPirq(dom0, domu, 30, nrIrqs));
        assertEquals(0, domu.pirqs().mapped().size());
        assertEquals(0, m.mapDomainPirq(dom0, domu, 30, nrIrqs - 1));
        assertEquals(nrIrqs - 1, domu.pirqs().pirqToIrq(30));
        assertTrue(domu.irqCaps().permitted(nrIrqs - 1), "mapping grants the IRQ (irq_permit_access)");
    }

    // map_domain_pirq: irq_permit_access only "if (likely(!irq_access_permitted(d, irq)))"; a repeated
    // identical mapping succeeds without granting again
    @Test
    void theIrqIsGrantedOnlyWhenNotYetHeld() {
        final int grants = rig.count(HvEvent.IRQ_ACCESS);
        assertEquals(0, m.mapDomainPirq(dom0, domu, 30, 20));
        assertEquals(grants + 1, rig.count(HvEvent.IRQ_ACCESS));
        assertEquals(0, m.mapDomainPirq(dom0, domu, 30, 20));
        assertEquals(grants + 1, rig.count(HvEvent.IRQ_ACCESS));
        m.setIrqAccess(domu, 21, true);
        assertEquals(grants + 2, rig.count(HvEvent.IRQ_ACCESS));
        assertEquals(0, m.mapDomainPirq(dom0, domu, 31, 21));
        assertEquals(grants + 2, rig.count(HvEvent.IRQ_ACCESS), "already held");
    }

    // map_domain_pirq: "(old_irq > 0 && old_irq != irq) || (old_pirq && old_pirq != pirq)" -> 0, nothing changed
    @Test
    void aPirqOrIrqMappedElsewhereIsKeptAndReportedAsSuccess() {
        assertEquals(0, m.mapDomainPirq(dom0, domu, 30, 20));
        assertEquals(0, m.mapDomainPirq(dom0, domu, 30, 21), "pirq 30 already maps IRQ 20");
        assertEquals(20, domu.pirqs().pirqToIrq(30));
        assertEquals(0, domu.pirqs().irqToPirq(21));
        assertFalse(domu.irqCaps().permitted(21));
        assertEquals(0, m.mapDomainPirq(dom0, domu, 31, 20), "IRQ 20 already has pirq 30");
        assertEquals(0, domu.pirqs().pirqToIrq(31));
        assertEquals(30, domu.pirqs().irqToPirq(20));
    }

    // unmap_domain_pirq: "pirq < 0 || pirq >= d->nr_pirqs" and "!info || (irq = info->arch.irq) <= 0" -> -EINVAL
    @Test
    void unmapOutsideTheTableOrOfAnUnmappedPirqIsEinval() {
        assertEquals(-Errno.EINVAL, m.unmapDomainPirq(domu, -1));
        assertEquals(-Errno.EINVAL, m.unmapDomainPirq(domu, nrPirqs));
        assertEquals(-Errno.EINVAL, m.unmapDomainPirq(domu, 30), "no pirq_info");
        domu.pirqs().getOrCreate(31);
        assertEquals(-Errno.EINVAL, m.unmapDomainPirq(domu, 31), "arch.irq == 0");
        final List<TraceRecord> unmaps = rig.records(HvEvent.PIRQ_UNMAP);
        assertEquals(4, unmaps.size());
        assertEquals(31, unmaps.get(3).a());
        assertEquals(0, unmaps.get(3).b());
        assertEquals(-Errno.EINVAL, unmaps.get(3).c());
        assertEquals(0, m.mapDomainPirq(dom0, domu, nrPirqs - 1, 20));
        assertEquals(0, m.unmapDomainPirq(domu, nrPirqs - 1), "the last pirq can be unmapped");
        assertEquals(20, rig.records(HvEvent.PIRQ_UNMAP).get(4).b());
        assertFalse(domu.irqCaps().permitted(20), "irq_deny_access");
    }

    // allocate_and_map_gsi_pirq: "index < 0 || index >= nr_irqs_gsi" -> -EINVAL; the last GSI is fine
    @Test
    void theGsiIndexMustBeBelowNrIrqsGsi() {
        final int nrIrqsGsi = rig.xen.irqDescs().nrIrqsGsi();
        assertEquals(-Errno.EINVAL, m.allocateAndMapGsiPirq(dom0, domu, -1, -1));
        assertEquals(-Errno.EINVAL, m.allocateAndMapGsiPirq(dom0, domu, nrIrqsGsi, -1));
        assertEquals(16, m.allocateAndMapGsiPirq(dom0, domu, nrIrqsGsi - 1, -1), "get_free_pirq from 16");
        assertEquals(nrIrqsGsi - 1, domu.pirqs().pirqToIrq(16));
    }

    // allocate_and_map_gsi_pirq: irq = domain_pirq_to_irq(current->domain, index); the hardware domain without
    // such a pirq names the IRQ; any other caller gets -EINVAL ("map pirq with incorrect irq")
    @Test
    void theIndexIsReadAsAPirqOfTheCallerFirst() {
        dom0.pirqs().link(18, 20);
        assertEquals(16, m.allocateAndMapGsiPirq(dom0, domu, 18, -1));
        assertEquals(20, domu.pirqs().pirqToIrq(16), "dom0's pirq 18 is IRQ 20");
        final Domain other = rig.hvmGuest("other");
        assertEquals(-Errno.EINVAL, m.allocateAndMapGsiPirq(domu, other, 22, -1), "domU has no pirq 22");
        assertEquals(0, other.pirqs().mapped().size());
    }

    // allocate_and_map_msi_pirq: a failed map destroys the IRQ it created; unmap_domain_pirq frees an unbound MSI IRQ
    @Test
    void aFailedMsiMapFreesTheIrqItCreated() {
        final IrqDescTable descs = rig.xen.irqDescs();
        assertEquals(-Errno.EINVAL, m.allocateAndMapMsiPirq(dom0, domu, nrPirqs));
        for (int irq = descs.nrIrqsGsi(); irq < descs.nrIrqs(); irq++) {
            assertEquals(HandlerType.NONE, descs.desc(irq).handler(), "irq " + irq);
        }
        final int pirq = m.allocateAndMapMsiPirq(dom0, domu, -1);
        assertEquals(nrPirqs - 1, pirq);
        final int msiIrq = domu.pirqs().pirqToIrq(pirq);
        assertEquals(HandlerType.MSI, rig.xen.irqDescs().desc(msiIrq).handler());
        assertEquals(0, m.unmapDomainPirq(domu, pirq));
        assertEquals(HandlerType.NONE, rig.xen.irqDescs().desc(msiIrq).handler(), "unmapping frees the MSI IRQ");
    }

    // create_irq(NUMA_NO_NODE, true) grants the calling domain the new IRQ and records it as the
    // creator; destroy_irq (a failed map, or unmap_domain_pirq -> msi_free_irq) takes that access away
    // again (xen/arch/x86/irq.c@RELEASE-4.20.0, same at 4.18)
    @Test
    void destroyIrqRevokesTheAccessCreateIrqGaveTheCaller() {
        final IrqDescTable descs = rig.xen.irqDescs();
        final int first = descs.nrIrqsGsi();
        assertEquals(-Errno.EINVAL, m.allocateAndMapMsiPirq(dom0, domu, nrPirqs));
        assertFalse(dom0.irqCaps().permitted(first), "the failed map's IRQ is no longer dom0's");
        final int pirq = m.allocateAndMapMsiPirq(dom0, domu, -1);
        final int irq = domu.pirqs().pirqToIrq(pirq);
        assertEquals(first, irq, "create_irq took the IRQ the failed map gave back");
        assertSame(dom0, descs.desc(irq).creator());
        assertTrue(dom0.irqCaps().permitted(irq));
        assertTrue(domu.irqCaps().permitted(irq));
        assertEquals(0, m.unmapDomainPirq(domu, pirq));
        assertFalse(domu.irqCaps().permitted(irq), "unmap_domain_pirq: irq_deny_access(d)");
        assertFalse(dom0.irqCaps().permitted(irq), "destroy_irq: irq_deny_access(creator)");
        assertNull(descs.desc(irq).creator());
    }

    // allocate_and_map_msi_pirq: create_irq's -ENOSPC is "can't create irq for msi!", -EINVAL
    @Test
    void noDynamicIrqLeftIsEinval() {
        final IrqDescTable descs = rig.xen.irqDescs();
        for (int irq = descs.nrIrqsGsi(); irq < descs.nrIrqs(); irq++) {
            descs.desc(irq).setHandler(HandlerType.MSI);
        }
        assertEquals(-Errno.ENOSPC, descs.createIrq());
        assertEquals(-Errno.EINVAL, m.allocateAndMapMsiPirq(dom0, domu, -1));
        assertEquals(0, domu.pirqs().mapped().size());
    }

    // allocate_and_map_msi_pirq: allocate_pirq failing (no free MSI pirq: -ENOSPC) also goes to destroy_irq
    @Test
    void noFreeMsiPirqDestroysTheIrqCreatedForIt() {
        final IrqDescTable descs = rig.xen.irqDescs();
        for (int p = descs.nrIrqsGsi(); p < nrPirqs; p++) {
            domu.pirqs().getOrCreate(p).setIrq(Pirq.PIRQ_ALLOCATED);   // every MSI pirq taken
        }
        final int first = descs.nrIrqsGsi();
        assertEquals(-Errno.ENOSPC, m.allocateAndMapMsiPirq(dom0, domu, -1));
        assertEquals(HandlerType.NONE, descs.desc(first).handler());
        assertFalse(dom0.irqCaps().permitted(first));
        assertNull(descs.desc(first).creator());
    }
}
