package io.irqsim.hv.hypercall;

import io.irqsim.hv.Errno;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Pirq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An HVM guest with {@code XENFEAT_hvm_pirqs} asking Xen for the pirq behind its own GSI
 * ({@code xen/arch/x86/physdev.c:physdev_map_pirq}, {@code physdev_hvm_map_pirq}@RELEASE-4.18.0), binding
 * it to an event channel and completing interrupts with {@code PHYSDEVOP_eoi}: the path a PVHVM Linux guest
 * takes on Xen 4.18, whose libxl created every HVM guest with {@code XEN_X86_EMU_USE_PIRQ}.
 */
class PhysdevHvmMapPirqTest {

    private static final int SLOT = 5;
    private static final int GUEST_GSI = 36; // hvm_pci_intx_gsi(5, INTA) = ((5 << 2) + (5 >> 3) + 0) % 32 + 16

    private static Domain pvhvmGuest(final Rig rig) {
        return rig.xen.createDomain(DomainConfig.hvmGuest("pvhvm", 1, true));
    }

    @Test
    void guestGsiOfAPassedThroughIntxAnswersWithTheBindingsPirqAndItsXenIrq() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20); // the rig's dom0 needs setup_gsi; the guest side is 4.18's
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = pvhvmGuest(rig);
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, DefaultPlatform.NIC_GSI, SLOT);
        assertEquals(GUEST_GSI, HvmIrq.pciIntxGsi(SLOT, 0));

        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GUEST_GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        assertEquals(pirq, map.pirq, "the girq's machine_gsi field holds the guest's pirq");
        assertEquals(DefaultPlatform.NIC_GSI, map.index, "index becomes domain_pirq_to_irq of that pirq");
        assertEquals(Pirq.EMUIRQ_UNBOUND, domu.pirqs().get(pirq).emuirq(), "no emuirq is stored for a pt pirq");
    }

    @Test
    void guestGsiWithNoPassthroughGetsAFreePirqStandingForTheEmulatedGsi() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        rig.pvhDom0();
        final Domain domu = pvhvmGuest(rig);
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 20, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        assertEquals(16, map.pirq, "get_free_pirq: the lowest free pirq from 16 for a GSI");
        assertEquals(20, domu.pirqs().get(16).emuirq(), "map_domain_emuirq_pirq(d, pirq, gsi)");
        assertEquals(20, map.index, "index is left alone");

        // the same GSI again, asking for another pirq: the emuirq is already someone's, upstream only warns
        final PhysdevOps.MapPirq again = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 20, 30);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, again));
        assertEquals(30, again.pirq);
        assertEquals(null, domu.pirqs().get(30), "nothing is recorded for pirq 30");
        assertEquals(20, domu.pirqs().get(16).emuirq());
    }

    @Test
    void selfMapRefusesGsisOutsideTheGuestsFortyEightAndNonGsiTypes() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        rig.pvhDom0();
        final Domain domu = pvhvmGuest(rig);
        assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(domu,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 48, -1)), "NR_HVM_DOMU_IRQS is 48");
        assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(domu,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, -1, -1)));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().mapPirq(domu,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_MSI, 0, -1)), "map type not supported");
        final PhysdevOps.MapPirq last = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 47, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, last), "GSI 47 is the guest's last");
    }

    @Test
    void guestWithoutPirqsMappingForItselfIsFilteredAsBefore() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        rig.pvhDom0();
        final Domain plain = rig.hvmGuest("plain");
        assertEquals(-Errno.ENOSYS, rig.xen.physdev().mapPirq(plain,
            new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GUEST_GSI, -1)),
            "hvm_physdev_op: no pirqs, no map_pirq");
        assertEquals(-Errno.ENOSYS, rig.xen.physdev().eoi(plain, 16));
    }

    @Test
    void pvhvmGuestTakesPassedThroughIntxAsAnEventAndItsPhysdevEoiCompletesTheLine() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20); // the rig's dom0 needs setup_gsi; the guest side is 4.18's
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = pvhvmGuest(rig);
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, DefaultPlatform.NIC_GSI, SLOT);
        // what Linux's acpi_register_gsi_xen_hvm and startup_pirq do; the guest's pin stays masked
        Rig.writeRte(domu.vcpu(0), GUEST_GSI, Rig.pciLevelLow(Rig.GUEST_VECTOR, true));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GUEST_GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, map.pirq, true));
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        final List<Integer> events = new ArrayList<>();
        domu.setKernel(new GuestKernel() {
            @Override
            public void interrupt(final Vcpu vcpu, final int vector) {
                throw new AssertionError("the masked vIO-APIC pin delivered vector " + vector);
            }

            @Override
            public void pirqEvent(final Vcpu vcpu, final int ev) {
                events.add(ev);
                nic.setInterruptRequest(false);
            }
        });
        for (int i = 1; i <= 3; i++) {
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(i, events.size(), "interrupt " + i + " arrived as a pirq event");
            assertTrue(io.irqsim.hw.ioapic.Rte.remoteIrr(rig.physRte(DefaultPlatform.NIC_GSI)),
                "the physical line waits for the guest's EOI");
            assertEquals(0, rig.xen.physdev().eoi(domu, pirq));
            assertFalse(io.irqsim.hw.ioapic.Rte.remoteIrr(rig.physRte(DefaultPlatform.NIC_GSI)),
                "PHYSDEVOP_eoi -> pirq_guest_eoi completed it");
        }
        assertEquals(List.of(pirq, pirq, pirq), events);
        assertEquals(3, rig.count(HvEvent.PHYS_EOI));
    }

    @Test
    void physdevEoiOfAPirqWithoutIrqSucceedsDoingNothingAndOfAnUnknownPirqIsInvalid() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        rig.pvhDom0();
        final Domain domu = pvhvmGuest(rig);
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 20, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        assertEquals(0, rig.xen.physdev().eoi(domu, map.pirq), "pirq_info exists: ret 0 though it has no IRQ");
        assertEquals(0, rig.count(HvEvent.PHYS_EOI));
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(domu, 17), "no pirq_info");
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(domu, domu.pirqs().nrPirqs()), "eoi.irq >= nr_pirqs");
        assertEquals(-Errno.EINVAL, rig.xen.physdev().eoi(domu, -1), "unsigned: past nr_pirqs");
    }

    @Test
    void physdevEoiOfAnEmulatedLevelGsiStillAssertedSendsAnotherNotification() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        rig.pvhDom0();
        final Domain domu = pvhvmGuest(rig);
        final List<Integer> events = new ArrayList<>();
        domu.setKernel(new GuestKernel() {
            @Override
            public void pirqEvent(final Vcpu vcpu, final int ev) {
                events.add(ev);
            }
        });
        final PhysdevOps.MapPirq high = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 20, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, high));
        final PhysdevOps.MapPirq isa = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 10, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, isa));
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, high.pirq, true));
        assertEquals(0, rig.xen.evtchn().bindPirq(domu, isa.pirq, false));
        domu.hvmIrq().pciIntxAssert(1, 0); // an emulated device at slot 1, INTA: guest GSI 20
        domu.hvmIrq().isaIrqAssert(10);
        assertEquals(1, domu.hvmIrq().gsiAssertCount(20));
        rig.xen.drain();
        events.clear();

        assertEquals(0, rig.xen.physdev().eoi(domu, high.pirq));
        rig.xen.drain();
        assertEquals(List.of(high.pirq), events, "gsi_assert_count[20] > 0: send_guest_pirq again");
        assertEquals(0, rig.xen.physdev().eoi(domu, isa.pirq));
        rig.xen.drain();
        assertEquals(List.of(high.pirq), events, "GSI 10 is an ISA IRQ, edge: no resend");
        domu.hvmIrq().pciIntxDeassert(1, 0);
        assertEquals(0, rig.xen.physdev().eoi(domu, high.pirq));
        rig.xen.drain();
        assertEquals(List.of(high.pirq), events, "deasserted: nothing more");
    }

    @Test
    void emulatedGsiWithAPirqMappedArrivesAsItsEventNotThroughTheVioapic() {
        // assert_gsi (xen/arch/x86/hvm/irq.c@RELEASE-4.18.0): hvm_domain_use_pirq on the GSI's emuirq pirq
        final Rig rig = Rig.boot(XenConfig.XEN_4_18);
        rig.pvhDom0();
        final Domain domu = pvhvmGuest(rig);
        final List<Integer> events = new ArrayList<>();
        final List<Integer> vectors = new ArrayList<>();
        domu.setKernel(new GuestKernel() {
            @Override
            public void interrupt(final Vcpu vcpu, final int vector) {
                vectors.add(vector);
                domu.hvmIrq().pciIntxDeassert(1, 0); // the driver acks its device, then EOIs
                Rig.lapicEoi(vcpu);
            }

            @Override
            public void pirqEvent(final Vcpu vcpu, final int ev) {
                events.add(ev);
            }
        });
        Rig.enableVlapic(domu.vcpu(0));
        Rig.writeRte(domu.vcpu(0), 20, Rig.pciLevelLow(Rig.GUEST_VECTOR, false));
        domu.hvmIrq().pciIntxAssert(1, 0);
        rig.xen.drain();
        assertEquals(List.of(Rig.GUEST_VECTOR), vectors, "no pirq for GSI 20 yet: the vIO-APIC delivers");

        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, 20, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(domu, map));
        domu.hvmIrq().pciIntxAssert(1, 0);
        rig.xen.drain();
        domu.hvmIrq().pciIntxDeassert(1, 0);
        assertEquals(List.of(), events, "mapped but no channel bound: send_guest_pirq drops it");
        assertEquals(List.of(Rig.GUEST_VECTOR), vectors, "and the vIO-APIC is bypassed all the same");

        assertEquals(0, rig.xen.evtchn().bindPirq(domu, map.pirq, true));
        domu.hvmIrq().pciIntxAssert(1, 0);
        rig.xen.drain();
        assertEquals(List.of(map.pirq), events);
        assertEquals(List.of(Rig.GUEST_VECTOR), vectors);
    }
}
