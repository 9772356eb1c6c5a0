package io.irqsim.hv.passthrough;

import io.irqsim.hv.GuestDriver;
import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GSI 17 is one shared, active-low PCI line for two devices ({@code 00:04.0}, {@code 00:05.0}).
 * Bound to two guests, {@code do_IRQ_guest} hands each physical interrupt to every guest sharing
 * the IRQ and counts them in flight; {@code desc_guest_eoi} completes the line only when the last
 * one EOI'd.
 */
class SharedGsiTest {

    static final int GSI = DefaultPlatform.SHARED_GSI;

    @Nested
    class TwoDomUs {

        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain guestA = rig.hvmGuest("a");
        final Domain guestB = rig.hvmGuest("b");
        final PciFunction devA = rig.device(DefaultPlatform.SHARED_A);
        final PciFunction devB = rig.device(DefaultPlatform.SHARED_B);
        final IoApic phys = rig.phys();
        GuestDriver drvA;
        GuestDriver drvB;
        IrqDesc desc;

        void setUp() {
            rig.passThrough(dom0, guestA, DefaultPlatform.SHARED_A, GSI, 4);
            rig.passThrough(dom0, guestB, DefaultPlatform.SHARED_B, GSI, 6);
            drvA = GuestDriver.attach(guestA, devA);
            drvB = GuestDriver.attach(guestB, devB);
            desc = rig.xen.irqDescs().desc(GSI);
        }

        // pirq_guest_bind(WILL_SHARE) twice: one action, two guests
        @Test
        void bothGuestsAreBoundToTheOneIrq() {
            setUp();
            assertEquals(2, desc.nrGuests());
            assertSame(guestA, desc.guest(0));
            assertSame(guestB, desc.guest(1));
            assertTrue(desc.isShareable());
        }

        // each device's interrupt reaches its own guest (both guests are told: the line is shared)
        @Test
        void eachDevicesInterruptReachesItsGuest() {
            setUp();
            devA.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, drvA.handled);
            assertEquals(0, drvB.handled);
            assertEquals(1, drvB.notMine);
            devB.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, drvA.handled);
            assertEquals(1, drvB.handled);
            assertEquals(2, rig.count(HvEvent.PHYS_EOI));
            assertFalse(Rte.remoteIrr(phys.rte(GSI)));
        }

        // desc_guest_eoi: --in_flight != 0 -> nothing; the physical EOI waits for the last guest
        @Test
        void physicalEoiOnlyAfterBothGuestsEoid() {
            setUp();
            drvB.eoi = false;
            devA.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, drvA.handled);
            assertEquals(1, drvB.vectors.size());
            assertEquals(1, desc.inFlight(), "guest b has not EOI'd");
            assertTrue(Rte.remoteIrr(phys.rte(GSI)));
            assertEquals(0, rig.count(HvEvent.PHYS_EOI));
            drvB.lateEoi();
            assertEquals(0, desc.inFlight());
            assertFalse(Rte.remoteIrr(phys.rte(GSI)));
            assertEquals(1, rig.count(HvEvent.PHYS_EOI));
        }

        // both devices at once: one physical interrupt, both handled, one physical EOI
        @Test
        void bothDevicesAtOnceTakeOnePhysicalInterrupt() {
            setUp();
            devA.setInterruptRequest(true);
            devB.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, drvA.handled);
            assertEquals(1, drvB.handled);
            assertEquals(1, phys.deliveredCount());
            assertEquals(1, rig.count(HvEvent.PHYS_EOI));
        }

        // pirq_guest_unbind: one guest leaving keeps the line running for the other
        @Test
        void destroyingOneGuestKeepsTheLineForTheOther() {
            setUp();
            rig.xen.destroyDomain(guestA);
            assertEquals(1, desc.nrGuests());
            assertSame(guestB, desc.guest(0));
            assertFalse(Rte.isMasked(phys.rte(GSI)));
            devB.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, drvB.handled);
            assertFalse(Rte.remoteIrr(phys.rte(GSI)));
            rig.xen.destroyDomain(guestB);
            assertFalse(desc.isGuest());
            assertTrue(Rte.isMasked(phys.rte(GSI)), "the last guest gone: pin shut down");
        }
    }

    @Nested
    class Dom0AndADomU {

        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction devA = rig.device(DefaultPlatform.SHARED_A);
        final PciFunction devB = rig.device(DefaultPlatform.SHARED_B);
        final IoApic phys = rig.phys();

        // dom0's driver for device A unmasks GSI 17 (vioapic_hwdom_map_gsi binds it to dom0,
        // shareable because level); the toolstack then passes device B to a domU on the same GSI
        @Test
        void dom0AndTheDomUShareTheGsiAndBothMustEoi() {
            final Vcpu d0 = dom0.vcpu(0);
            Rig.enableVlapic(d0);
            Rig.writeRte(d0, GSI, Rig.pciLevelLow(0x71, true));
            Rig.writeRte(d0, GSI, Rig.pciLevelLow(0x71, false));
            assertEquals(GSI, dom0.pirqs().pirqToIrq(GSI));
            final GuestDriver dom0Drv = GuestDriver.attach(dom0, devA);
            rig.passThrough(dom0, domu, DefaultPlatform.SHARED_B, GSI, 6);
            final GuestDriver domuDrv = GuestDriver.attach(domu, devB);
            final IrqDesc desc = rig.xen.irqDescs().desc(GSI);
            assertEquals(2, desc.nrGuests());
            assertSame(dom0, desc.guest(0));
            assertSame(domu, desc.guest(1));

            devA.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, dom0Drv.handled);
            assertEquals(java.util.List.of(0x71), dom0Drv.vectors, "dom0 got its vIO-APIC pin 17 (hvm_gsi_assert)");
            assertEquals(1, domuDrv.notMine);
            assertEquals(1, rig.count(HvEvent.PHYS_EOI));

            domuDrv.eoi = false;
            devB.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, domuDrv.handled);
            assertEquals(2, dom0Drv.vectors.size());
            assertEquals(1, desc.inFlight(), "dom0 EOI'd, the domU not yet");
            assertTrue(Rte.remoteIrr(phys.rte(GSI)));
            domuDrv.lateEoi();
            assertFalse(Rte.remoteIrr(phys.rte(GSI)));
            assertEquals(2, rig.count(HvEvent.PHYS_EOI));
        }
    }
}
