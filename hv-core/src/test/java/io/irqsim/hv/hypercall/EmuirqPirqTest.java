package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Pirq;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * An HVM guest's emulated-IRQ pirqs: {@code map_domain_emuirq_pirq}'s range checks and "already
 * mapped" rule ({@code xen/arch/x86/irq.c}@RELEASE-4.20.0), and {@code PHYSDEVOP_eoi} on such a pirq
 * ({@code xen/arch/x86/physdev.c}@RELEASE-4.20.0; the GSI EOI notice is irqsim's, for device models).
 */
class EmuirqPirqTest {

    private final PvhvmGuest guest = PvhvmGuest.boot();
    private final Rig rig = guest.rig;
    private final Domain dom0 = guest.dom0;
    private final Domain domu = guest.domu;
    private final List<Integer> events = guest.events;
    private final List<Integer> vectors = guest.vectors;
    private final List<Integer> eoiGsis = new ArrayList<>();

    @BeforeEach
    void listen() {
        domu.addGsiEoiListener((d, gsi) -> eoiGsis.add(gsi));
    }

    @Test
    void pirqAndEmuirqOutsideTheirRangesAreEinvalAndTheLastOfEachRangeMaps() {
        final int nrPirqs = domu.pirqs().nrPirqs();
        final int nrIrqs = domu.pirqs().nrIrqs();
        assertEquals(-Errno.EINVAL, PhysdevOps.mapDomainEmuirqPirq(domu, -1, 40));
        assertEquals(-Errno.EINVAL, PhysdevOps.mapDomainEmuirqPirq(domu, nrPirqs, 40));
        assertEquals(-Errno.EINVAL, PhysdevOps.mapDomainEmuirqPirq(domu, 20, Pirq.EMUIRQ_UNBOUND));
        assertEquals(-Errno.EINVAL, PhysdevOps.mapDomainEmuirqPirq(domu, 20, nrIrqs));
        assertNull(domu.pirqs().get(20));
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, nrPirqs - 1, nrIrqs - 1));
        assertEquals(nrIrqs - 1, domu.pirqs().get(nrPirqs - 1).emuirq());
    }

    @Test
    void aPirqOrEmuirqAlreadyMappedElsewhereIsLeftAloneAndTheCallStillReturnsZero() {
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 20, 40));
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 20, 41), "pirq 20 already stands for 40");
        assertEquals(40, domu.pirqs().get(20).emuirq());
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 21, 40), "emuirq 40 already has pirq 20");
        assertNull(domu.pirqs().get(21));
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 20, 40), "the same mapping again");
        assertEquals(40, domu.pirqs().get(20).emuirq());
    }

    @Test
    void passthroughEmuirqIsNotLookedUpAsAnEmulatedIrqSoTwoPirqsCanHoldIt() {
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 20, Pirq.EMUIRQ_PT));
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 21, Pirq.EMUIRQ_PT));
        assertEquals(Pirq.EMUIRQ_PT, domu.pirqs().get(20).emuirq());
        assertEquals(Pirq.EMUIRQ_PT, domu.pirqs().get(21).emuirq());
    }

    @Test
    void eoiOfAPirqStructWithNothingBehindItIsEinval() {
        domu.pirqs().getOrCreate(22);   // irq 0, no event channel, no emulated IRQ
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(domu, 22));
        assertEquals(List.of(), eoiGsis);
    }

    // pirq_cleanup_check (xen/arch/x86/irq.c@RELEASE-4.20.0) keeps a struct whose arch.irq is not 0: a pirq
    // get_free_pirq handed out (PIRQ_ALLOCATED) has one, so its EOI is 0 and reaches nobody
    @Test
    void eoiOfAPirqGetFreePirqHandedOutIsZero() {
        final int pirq = rig.xen.physdev().getFreePirq(domu, PhysdevOps.MAP_PIRQ_TYPE_MSI);
        assertTrue(pirq > 0);
        assertEquals(Pirq.PIRQ_ALLOCATED, domu.pirqs().get(pirq).irq());
        assertEquals(0, rig.xen.physdev().eoi(domu, pirq));
        assertEquals(List.of(), eoiGsis);
    }

    @Test
    void eoiOfAnEmulatedGsisPirqTellsTheGsiEoiListeners() {
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 20, 40));
        assertEquals(0, rig.xen.physdev().eoi(domu, 20));
        assertEquals(List.of(40), eoiGsis);
        assertEquals(List.of(), events, "nothing asserted: no second notification");
    }

    @Test
    void eoiOfAnAssertedLevelGsiSixteenNotifiesAgain() {
        // GSI 16 is the first past the ISA IRQs: an asserted emulated level line there resends
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 20, 16));
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, 20, false));
        assertEquals(16, io.irqsim.hv.domain.HvmIrq.pciIntxGsi(0, 0));
        domu.hvmIrq().pciIntxAssert(0, 0);   // device 0 INTA: GSI 16, asserted (count 1)
        rig.xen.drain();
        assertEquals(List.of(20), events, "assert_gsi: the pirq's event");
        events.clear();
        assertEquals(0, rig.xen.physdev().eoi(domu, 20));
        rig.xen.drain();
        assertEquals(List.of(20), events, "still asserted: send_guest_pirq again");
        domu.hvmIrq().pciIntxDeassert(0, 0);
        events.clear();
        assertEquals(0, rig.xen.physdev().eoi(domu, 20));
        rig.xen.drain();
        assertEquals(List.of(), events, "deasserted: no notification");
        assertEquals(List.of(16, 16), eoiGsis, "GSI 16 is past the ISA IRQs: each EOI is heard");
    }

    // physdev_hvm_map_pirq@RELEASE-4.20.0: only *index < 0 is refused, so guest GSI 0 maps; then
    // PHYSDEVOP_eoi's resend and irqsim's EOI notice are gated on domain_pirq_to_emuirq > 0, so
    // EOIing that pirq tells no one
    @Test
    void selfMapOfGuestGsiZeroMapsAndItsEoiTellsNoListener() {
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 0, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        assertEquals(16, map.pirq, "get_free_pirq: the first GSI-type pirq past the ISA range");
        assertEquals(0, domu.pirqs().get(16).emuirq());
        assertEquals(0, rig.xen.physdev().eoi(domu, 16));
        assertEquals(List.of(), eoiGsis);
    }

    // physdev_hvm_map_pirq@RELEASE-4.20.0: get_free_pirq only when *pirq < 0; a pirq of 0 is
    // taken as asked, and map_domain_emuirq_pirq's own check (pirq < 0) lets it through
    @Test
    void selfMapAskingForPirqZeroMapsPirqZero() {
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 5, 0);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        assertEquals(0, map.pirq);
        assertEquals(5, domu.pirqs().get(0).emuirq());
        assertEquals(0, domu.pirqs().emuirqToPirq(5));
    }

    // physdev_hvm_map_pirq@RELEASE-4.20.0 returns map_domain_emuirq_pirq's error: a pirq past
    // nr_pirqs is -EINVAL and nothing is mapped
    @Test
    void selfMapAskingForAPirqPastNrPirqsIsEinval() {
        final int nrPirqs = domu.pirqs().nrPirqs();
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 5,
            nrPirqs);
        assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(domu, map));
        assertEquals(Pirq.EMUIRQ_UNBOUND, domu.pirqs().emuirqToPirq(5));
    }

    // evtchn_close@RELEASE-4.20.0 (ECS_PIRQ): unmap_domain_pirq_emuirq only when
    // domain_pirq_to_irq > 0; an emulated GSI's pirq (no Xen IRQ) keeps its emuirq
    @Test
    void closingTheChannelOfAnEmulatedGsisPirqKeepsItsEmuirq() {
        assertEquals(0, PhysdevOps.mapDomainEmuirqPirq(domu, 20, 40));
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, 20, false));
        assertEquals(0, rig.xen.evtchn().unbindPirq(domu, 20));
        assertEquals(40, domu.pirqs().get(20).emuirq());
        assertEquals(20, domu.pirqs().emuirqToPirq(40));
    }
}
