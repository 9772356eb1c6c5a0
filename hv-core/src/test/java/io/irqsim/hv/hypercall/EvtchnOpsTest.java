package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pirq part of {@code HYPERVISOR_event_channel_op} ({@code xen/common/event_channel.c}
 * {@code evtchn_bind_pirq}, {@code evtchn_close}): a PV guest binding an event channel to a pirq
 * is what binds the physical IRQ to it ({@code pirq_guest_bind}).
 */
class EvtchnOpsTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    static Domain pvDom0WithPirq(final Rig rig) {
        final Domain dom0 = rig.pvDom0();
        assertEquals(0, rig.xen.physdev().mapPirq(dom0,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        return dom0;
    }

    // evtchn_bind_pirq -> pirq_guest_bind: first guest sets up the action and starts the IRQ
    @Test
    void bindPirqBindsThePhysicalIrqAndUnmasksThePin() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        assertTrue(Rte.isMasked(rig.physRte(GSI)));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        final IrqDesc desc = rig.xen.irqDescs().desc(GSI);
        assertTrue(desc.isGuest());
        assertTrue(desc.isShareable());
        assertSame(dom0, desc.guest(0));
        assertFalse(Rte.isMasked(rig.physRte(GSI)));
        assertTrue(dom0.pirqs().get(GSI).isEvtchnBound());
    }

    // evtchn_bind_pirq: pirq_to_evtchn(d, pirq) != 0 -> -EEXIST
    @Test
    void secondBindOfTheSamePirqGivesEexist() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        assertEquals(-Errno.EEXIST, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        assertEquals(1, rig.xen.irqDescs().desc(GSI).nrGuests());
    }

    // evtchn_bind_pirq: pirq >= d->nr_pirqs -> -EINVAL
    @Test
    void pirqOutOfRangeGivesEinval() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        assertEquals(-Errno.EINVAL, rig.xen.evtchn().bindPirq(dom0, dom0.pirqs().nrPirqs(), true));
        assertEquals(-Errno.EINVAL, rig.xen.evtchn().bindPirq(dom0, -1, true));
    }

    // evtchn_bind_pirq: a PV domain without access to the pirq's IRQ (not mapped) -> -EPERM
    @Test
    void unmappedPirqGivesEperm() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        assertEquals(-Errno.EPERM, rig.xen.evtchn().bindPirq(dom0, 17, true));
        assertFalse(rig.xen.irqDescs().desc(17).isGuest());
    }

    // evtchn_bind_pirq: pirq 0 is in range (only pirq >= nr_pirqs is -EINVAL); a PV domain has no
    // IRQ behind it (pirq_access_permitted -> -EPERM), an HVM domain binds it
    @Test
    void pirqZeroIsInRange() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        assertEquals(-Errno.EPERM, rig.xen.evtchn().bindPirq(dom0, 0, false));
        final Domain hvm = rig.xen.createDomain(new DomainConfig("pvhvm", DomainType.HVM, 1, false, false, true, true));
        assertEquals(0, rig.xen.evtchn().bindPirq(hvm, 0, false));
        assertTrue(hvm.pirqs().get(0).isEvtchnBound());
    }

    // evtchn_bind_pirq@RELEASE-4.20.0 asks nothing of has_pirq: an HVM-type caller without pirqs (a
    // PVH dom0) binds like any HVM domain, without pirq_access_permitted or pirq_guest_bind, and
    // arch_evtchn_bind_pirq marks its mapped pirq IRQ_PT; the range check still applies
    @Test
    void pvhDom0BindsAPirqWithoutTakingThePhysicalIrq() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        assertFalse(dom0.hasPirqNotion());
        assertEquals(-Errno.EINVAL, rig.xen.evtchn().bindPirq(dom0, dom0.pirqs().nrPirqs(), true));
        assertEquals(0, rig.xen.physdev().mapPirq(dom0,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        assertTrue(dom0.pirqs().get(GSI).isEvtchnBound());
        assertEquals(io.irqsim.hv.domain.Pirq.EMUIRQ_PT, dom0.pirqs().get(GSI).emuirq());
        assertFalse(rig.xen.irqDescs().desc(GSI).isGuest(), "no pirq_guest_bind for an HVM-type domain");
        assertEquals(-Errno.EEXIST, rig.xen.evtchn().bindPirq(dom0, GSI, true));
    }

    // pirq_guest_bind: an action set up without WILL_SHARE refuses the next guest, and a guest
    // that will not share is refused by a shared action -> -EBUSY
    @Test
    void exclusiveBindingGivesEbusyBothWays() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        final Domain pvU = rig.xen.createDomain(new DomainConfig("pvU", DomainType.PV, 1, false, false, true, true));
        assertEquals(0, rig.xen.physdev().mapPirq(dom0,
            new PhysdevOps.MapPirq(pvU.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI)));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, false));
        assertEquals(-Errno.EBUSY, rig.xen.evtchn().bindPirq(pvU, GSI, true));
        assertFalse(pvU.pirqs().get(GSI).isEvtchnBound());
        assertEquals(0, rig.xen.evtchn().unbindPirq(dom0, GSI));
        assertEquals(0, rig.xen.evtchn().bindPirq(pvU, GSI, true));
        assertEquals(-Errno.EBUSY, rig.xen.evtchn().bindPirq(dom0, GSI, false));
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        assertEquals(2, rig.xen.irqDescs().desc(GSI).nrGuests());
    }

    // evtchn_close -> pirq_guest_unbind: the last guest leaving shuts the IRQ down
    @Test
    void unbindPirqReleasesTheIrqAndMasksThePin() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        assertEquals(0, rig.xen.evtchn().unbindPirq(dom0, GSI));
        assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
        assertTrue(Rte.isMasked(rig.physRte(GSI)));
        assertFalse(dom0.pirqs().get(GSI).isEvtchnBound());
        assertEquals(GSI, dom0.pirqs().pirqToIrq(GSI), "closing the channel keeps the pirq mapping");
    }

    // evtchn_close -> evtchn_free (xen/common/event_channel.c@RELEASE-4.20.0) clears the channel's
    // pending bit: an event send_guest_pirq raised while the vCPU could not take it is dropped with
    // the channel and never reaches the guest
    @Test
    void closingThePirqChannelDropsAnEventTheGuestHasNotTaken() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        final int[] taken = {0};
        dom0.setKernel(new io.irqsim.hv.domain.GuestKernel() {
            @Override
            public void pirqEvent(final io.irqsim.hv.domain.Vcpu vcpu, final int pirq) {
                taken[0]++;
            }
        });
        assertEquals(0, rig.xen.evtchn().bindPirq(dom0, GSI, true));
        dom0.vcpu(0).block();
        rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
        rig.xen.drain();
        assertTrue(dom0.isPirqEventPending(GSI), "send_guest_pirq set the pending bit");
        assertEquals(0, rig.xen.evtchn().unbindPirq(dom0, GSI));
        assertFalse(dom0.isPirqEventPending(GSI));
        dom0.vcpu(0).unblock();
        rig.xen.drain();
        assertEquals(0, taken[0], "the closed channel's event never reached the guest");
    }

    // evtchn_close on a port that is not a pirq channel -> -EINVAL
    @Test
    void unbindOfAnUnboundPirqGivesEinval() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        final Domain dom0 = pvDom0WithPirq(rig);
        assertEquals(-Errno.EINVAL, rig.xen.evtchn().unbindPirq(dom0, GSI));
        assertEquals(-Errno.EINVAL, rig.xen.evtchn().unbindPirq(dom0, 17));
        assertEquals(-Errno.EINVAL, rig.xen.evtchn().unbindPirq(dom0, -3));
    }
}
