package io.irqsim.hv.passthrough;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The passthrough softirq's life around binds and unbinds (xen/drivers/passthrough/x86/hvm.c@RELEASE-4.18.0/4.20.0):
 * {@code hvm_do_IRQ_dpci} sets {@code masked} and raises {@code HVM_DPCI_SOFTIRQ} only for a pirq with
 * {@code HVM_IRQ_DPCI_MAPPED}; {@code pt_irq_destroy_bind}'s {@code pt_pirq_softirq_reset} clears
 * {@code masked}, so a softirq still queued then finds nothing to do in {@code hvm_dirq_assist};
 * and the bind arguments as {@code pt_irq_create_bind} takes them.
 */
class DpciSoftirqTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    // hvm_do_IRQ_dpci: "!pirq_dpci || !(pirq_dpci->flags & HVM_IRQ_DPCI_MAPPED)" -> return 0, nothing raised
    @Test
    void aPhysicalInterruptForAPirqNotBoundForPassthroughRaisesNoSoftirq() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        final Pirq p = domu.pirqs().get(map.pirq);
        assertEquals(GSI, p.irq(), "mapped, but not bound with bind_pt_irq");
        assertFalse(rig.xen.passthrough().hvmDoIrqDpci(domu, p));
        assertFalse(p.dpci().isMasked());
        assertTrue(rig.xen.queue().isIdle(), "no softirq raised");
    }

    // pt_irq_destroy_bind -> pt_pirq_softirq_reset: "pirq_dpci->masked = 0", so hvm_dirq_assist's
    // test_and_clear_bool(masked) fails and it asserts nothing
    @Test
    void unbindingWhileTheSoftirqIsPendingLeavesItNothingToDo() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final Pirq p = domu.pirqs().get(pirq);
        assertTrue(rig.xen.passthrough().hvmDoIrqDpci(domu, p), "a physical interrupt arrives");
        assertTrue(p.dpci().isMasked());
        assertFalse(rig.xen.queue().isIdle(), "HVM_DPCI_SOFTIRQ raised, not yet run");
        assertEquals(0, rig.xen.passthrough().ptIrqDestroyBind(domu, new BindPtIrq(pirq, 0, 5, 0)));
        assertFalse(p.dpci().isMasked(), "pt_pirq_softirq_reset");
        final int assists = rig.count(HvEvent.DPCI_ASSIST);
        rig.xen.drain();
        assertEquals(assists, rig.count(HvEvent.DPCI_ASSIST), "hvm_dirq_assist did nothing");
        assertFalse(domu.hvmIrq().isPciIntxAsserted(5, 0));
        assertEquals(0, domu.hvmIrq().gsiAssertCount(HvmIrq.pciIntxGsi(5, 0)));
    }

    // xen/drivers/passthrough/x86/hvm.c:pt_irq_create_bind@RELEASE-4.20.0 (same at RELEASE-4.18.0): while
    // pt_pirq_softirq_active (the softirq is scheduled or running) the bind drops the lock and retries, so the
    // queued hvm_dirq_assist runs before the new dev_intx_gsi_link is added: the interrupt that arrived before
    // the bind asserts only the lines bound then, and counts one pending EOI
    @Test
    void aBindWaitsForAQueuedSoftirqSoAnEarlierInterruptDoesNotReachTheNewLine() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        final Pirq p = domu.pirqs().get(pirq);
        assertTrue(rig.xen.passthrough().hvmDoIrqDpci(domu, p), "a physical interrupt arrives");
        assertTrue(p.dpci().isQueued(), "HVM_DPCI_SOFTIRQ raised, not yet run");
        assertEquals(0, rig.xen.passthrough().ptIrqCreateBind(domu, new BindPtIrq(pirq, 0, 6, 0)));
        assertTrue(domu.hvmIrq().isPciIntxAsserted(5, 0), "hvm_dirq_assist ran before the bind went on");
        assertFalse(domu.hvmIrq().isPciIntxAsserted(6, 0), "the new line was not bound yet");
        assertEquals(1, p.dpci().pending());
        rig.xen.drain();
        assertFalse(domu.hvmIrq().isPciIntxAsserted(6, 0), "the softirq left queued found masked clear");
        assertEquals(1, p.dpci().pending());
        assertEquals(1, rig.count(HvEvent.DPCI_ASSIST));
    }

    // xen_domctl_bind_pt_irq.u.pci: bus, device and intx travel with the bind, whatever its outcome
    @Test
    void aBindIsTracedWithItsBusDeviceAndIntx() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(-Errno.EINVAL, rig.xen.passthrough().ptIrqCreateBind(domu, new BindPtIrq(40, 1, 5, 2)),
            "pirq 40 maps to no IRQ: pirq_guest_bind fails");
        final List<TraceRecord> binds = rig.records(HvEvent.PT_BIND);
        assertEquals(1, binds.size());
        assertEquals(40, binds.get(0).a());
        assertEquals(1L << 16 | 5 << 8 | 2, binds.get(0).b());
        assertEquals(domu.id(), binds.get(0).domain());
    }

    // pt_irq_create_bind refuses "pirq < 0 || pirq >= d->nr_pirqs": pirq 0 is a pirq like any other
    @Test
    void pirqZeroCanBeBoundForPassthrough() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, 0);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, map.pirq);
        assertEquals(GSI, domu.pirqs().pirqToIrq(0));
        assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, DomctlOps.GSI_GRANT));
        assertEquals(0, rig.xen.passthrough().ptIrqCreateBind(domu, new BindPtIrq(0, 0, 5, 0)));
        assertTrue(domu.pirqs().get(0).dpci().has(PirqDpci.MAPPED));
        assertEquals(domu, rig.xen.irqDescs().desc(GSI).guest(0));
    }
}
