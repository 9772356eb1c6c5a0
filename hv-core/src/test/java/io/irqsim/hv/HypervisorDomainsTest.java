package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.irq.IrqDesc;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Domain life cycle ({@code domain_create}, {@code domain_kill}/{@code domain_destroy}) and the
 * emulated platform each domain type gets: {@code vioapic_init} (one vIO-APIC per physical IO-APIC
 * for the hardware domain, 48 pins for a domU), vLAPIC APIC ids 2n ({@code pvh_setup_acpi_madt},
 * hvmloader), {@code dom0_setup_permissions}.
 */
class HypervisorDomainsTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    @Nested
    class Ids {

        // domain_create: the hardware domain is 0; domUs from 1 upwards; ids are not reused at once
        @Test
        void hardwareDomainIsZeroAndGuestsCountUpWithoutImmediateReuse() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain a = rig.hvmGuest("a");
            final Domain dom0 = rig.pvhDom0();
            final Domain b = rig.hvmGuest("b");
            final Domain c = rig.hvmGuest("c");
            assertEquals(0, dom0.id());
            assertEquals(List.of(1, 2, 3), List.of(a.id(), b.id(), c.id()));
            rig.xen.destroyDomain(b);
            final Domain d = rig.hvmGuest("d");
            assertEquals(4, d.id(), "destroyed id 2 is not handed out again at once");
            assertSame(dom0, rig.xen.hardwareDomain());
            assertEquals(List.of(0, 1, 3, 4), rig.xen.domains().stream().map(Domain::id).toList());
            final List<TraceRecord> creates = rig.records(HvEvent.DOMAIN_CREATE);
            assertEquals(5, creates.size());
            assertEquals(DomainType.PVH.ordinal(), creates.get(1).b());
            assertEquals(2, creates.get(1).c(), "vCPUs");
        }

        // there is one hardware domain (hardware_domain)
        @Test
        void secondHardwareDomainIsRefused() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvhDom0();
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> rig.xen.createDomain(DomainConfig.dom0(DomainType.PV, 1)));
            assertTrue(e.getMessage().contains("already a hardware domain"), e.getMessage());
            assertEquals(1, rig.xen.domains().size());
        }
    }

    @Nested
    class Destroy {

        // domain_kill: pirqs unmapped (forcing guest bindings off), irq_caps emptied, devices back to
        // the hardware domain; the physical pin is masked when its last guest leaves, and an
        // interrupt the guest never EOI'd is completed
        @Test
        void destroyReleasesBindingsMappingsCapabilitiesAndDevices() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
            assertEquals(0, rig.xen.physdev().mapPirq(dom0,
                new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_MSI, 0, -1)));
            final PciFunction nic = rig.device(DefaultPlatform.NIC);
            final GuestDriver drv = GuestDriver.attach(domu, nic);
            drv.eoi = false;
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, drv.handled);
            assertTrue(Rte.remoteIrr(rig.physRte(GSI)), "in flight when the domain dies");
            final int id = domu.id();

            rig.xen.destroyDomain(domu);

            final IrqDesc desc = rig.xen.irqDescs().desc(GSI);
            assertFalse(desc.isGuest());
            assertEquals(0, desc.inFlight());
            assertTrue(Rte.isMasked(rig.physRte(GSI)), "last guest gone: pin shut down");
            assertFalse(Rte.remoteIrr(rig.physRte(GSI)), "the owed EOI was completed");
            assertEquals(0, rig.xen.platform().clock().armedTimers(), "no EOI timer left");
            assertTrue(domu.pirqs().mapped().isEmpty());
            assertEquals(0, domu.pirqs().pirqToIrq(pirq));
            assertEquals(0, domu.irqCaps().count());
            assertTrue(domu.assignedDevices().isEmpty());
            assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
            assertTrue(domu.isDying());
            assertNull(rig.xen.domain(id));
            assertEquals(id, rig.records(HvEvent.DOMAIN_DESTROY).get(0).a());

            // every lookup of the id is -ESRCH now
            assertEquals(-Errno.ESRCH, rig.xen.physdev().mapPirq(dom0,
                new PhysdevOps.MapPirq(id, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1)));
            assertEquals(-Errno.ESRCH, rig.xen.physdev().unmapPirq(dom0, id, pirq));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().gsiPermission(dom0, id, GSI, DomctlOps.GSI_GRANT));
            assertEquals(-Errno.ESRCH, rig.xen.domctl().assignDevice(dom0, id, DefaultPlatform.NIC));
            assertEquals(-Errno.ESRCH, rig.xen.dmop().setPciIntxLevel(dom0, id, 0, 0, 5, 0, 1));

            // the device can go to another guest
            final Domain next = rig.hvmGuest("next");
            assertEquals(0, rig.xen.domctl().assignDevice(dom0, next.id(), DefaultPlatform.NIC));

            // the dead guest's kernel is not entered again
            nic.setInterruptRequest(false);
            nic.setInterruptRequest(true);
            rig.xen.drain();
            assertEquals(1, drv.vectors.size());
        }

        // domain_kill on a domain already gone (or never ours) is a no-op
        @Test
        void destroyingTwiceOrAStrangerDoesNothing() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            rig.xen.destroyDomain(domu);
            rig.xen.destroyDomain(domu);
            assertEquals(1, rig.count(HvEvent.DOMAIN_DESTROY));
            final Rig other = Rig.boot(XenConfig.XEN_4_20);
            final Domain stranger = other.hvmGuest("stranger");
            rig.xen.destroyDomain(stranger);
            assertEquals(1, rig.count(HvEvent.DOMAIN_DESTROY));
            assertFalse(stranger.isDying());
        }

        // the hardware domain can be destroyed too; its identity bindings go with it
        @Test
        void destroyingTheHardwareDomainReleasesItsGsiBindings() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            Rig.writeRte(dom0.vcpu(0), GSI, Rig.pciLevelLow(0x61, true));
            Rig.writeRte(dom0.vcpu(0), GSI, Rig.pciLevelLow(0x61, false));
            assertTrue(rig.xen.irqDescs().desc(GSI).isGuest());
            rig.xen.destroyDomain(dom0);
            assertNull(rig.xen.hardwareDomain());
            assertFalse(rig.xen.irqDescs().desc(GSI).isGuest());
            assertTrue(Rte.isMasked(rig.physRte(GSI)));
        }
    }

    @Nested
    class EmulatedPlatform {

        // vioapic_init for the hardware domain: one vIO-APIC per physical IO-APIC, same base
        // address, pin count, GSI base and id, but Xen's model: version 0x11, 32-bit IOREGSEL
        @Test
        void pvhDom0VioapicsMirrorThePhysicalOnes() {
            final Rig rig = Rig.boot(Rig.defaultPlatformWithSecondIoApic(24), XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final List<IoApic> phys = rig.xen.platform().ioapics();
            assertEquals(2, phys.size());
            assertEquals(phys.size(), dom0.vioapics().size());
            for (int i = 0; i < phys.size(); i++) {
                final IoApic v = dom0.vioapics().get(i);
                final long base = dom0.vioapicAddress(i);
                assertEquals(rig.xen.platform().ioapicAddress(i), base);
                assertEquals(phys.get(i).pins(), v.pins());
                assertEquals(phys.get(i).gsiBase(), v.gsiBase());
                assertEquals(phys.get(i).id(), v.id());
                assertEquals(IoApicRegisters.VERSION_11, v.model().version());
                assertEquals(IoApicRegisters.VERSION_11 | (v.pins() - 1) << 16,
                    Rig.readIndirect(dom0.vcpu(0), base, IoApicRegisters.REG_VER));
                assertEquals((long) phys.get(i).id() << 24, Rig.readIndirect(dom0.vcpu(0), base, IoApicRegisters.REG_ID));
                dom0.vcpu(0).mmioWrite(base + IoApicRegisters.IOREGSEL, 4, 0xDEAD_BE10L);
                assertEquals(0xDEAD_BE10L, dom0.vcpu(0).mmioRead(base + IoApicRegisters.IOREGSEL, 4),
                    "vioapic_write keeps the whole IOREGSEL");
            }
            assertEquals(40, dom0.hvmIrq().nrGsis(), "nr_irqs_gsi GSIs");
            assertSame(dom0.vioapics().get(1), dom0.vioapicForGsi(30));
            // the second vIO-APIC's pins are GSIs 24..39: unmasking pin 3 maps GSI 27 on the second
            // physical IO-APIC
            final long base1 = dom0.vioapicAddress(1);
            Rig.writeRte(dom0.vcpu(0), base1, 3, Rig.pciLevelLow(0x66, true));
            Rig.writeRte(dom0.vcpu(0), base1, 3, Rig.pciLevelLow(0x66, false));
            assertTrue(rig.xen.ioapicRouting().isPinProgrammed(27));
            assertTrue(Rte.isLevel(phys.get(1).rte(3)) && Rte.isActiveLow(phys.get(1).rte(3)));
            assertFalse(Rte.isMasked(phys.get(1).rte(3)));
            assertEquals(27, dom0.pirqs().pirqToIrq(27));
        }

        // the vIO-APIC page is trapped: dom0's accesses at the physical address reach its own model
        @Test
        void dom0AccessesAtThePhysicalAddressNeverReachThePhysicalIoApic() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final long[] before = rig.physTable();
            Rig.writeRte(dom0.vcpu(0), 5, Rte.of(0x45, Rte.DM_FIXED, false, false, false, true, 0));
            assertEquals(Rte.of(0x45, Rte.DM_FIXED, false, false, false, true, 0), dom0.vioapics().get(0).rte(5));
            assertEquals(before[5], rig.physRte(5));
            assertTrue(rig.count(HvEvent.MMIO_TRAP) >= 4, "every access trapped");
        }

        // an HVM domU: one vIO-APIC of 48 pins (VIOAPIC_NUM_PINS) at 0xFEC00000, GSI base 0, id 0
        @Test
        void hvmGuestGetsOne48PinVioapicAtTheDefaultAddress() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvhDom0();
            final Domain domu = rig.hvmGuest("domU");
            assertEquals(1, domu.vioapics().size());
            final IoApic v = domu.vioapics().get(0);
            assertEquals(48, v.pins());
            assertEquals(0, v.gsiBase());
            assertEquals(0, v.id());
            assertEquals(0xFEC0_0000L, domu.vioapicAddress(0));
            assertEquals(0x11 | 47 << 16, Rig.readIndirect(domu.vcpu(0), 0xFEC0_0000L, IoApicRegisters.REG_VER));
            assertEquals(48, domu.hvmIrq().nrGsis());
            assertEquals(rig.xen.irqDescs().nrIrqsGsi() + Hypervisor.EXTRA_DOMU_PIRQS, domu.pirqs().nrPirqs());
            assertEquals(0, domu.irqCaps().count(), "irq_caps start empty");
            // pin 47 exists, pin 48 does not (reads 0, writes ignored)
            Rig.writeRte(domu.vcpu(0), 47, Rte.of(0x47, Rte.DM_FIXED, false, false, false, true, 0));
            assertEquals(0x47, Rte.vector(Rig.readRte(domu.vcpu(0), 0xFEC0_0000L, 47)));
            Rig.writeRte(domu.vcpu(0), 48, Rte.of(0x48, Rte.DM_FIXED, false, false, false, true, 0));
            assertEquals(0, Rig.readRte(domu.vcpu(0), 0xFEC0_0000L, 48));
        }

        // hvmloader / pvh_setup_acpi_madt: vCPU n has APIC id 2n
        @Test
        void vlapicApicIdsAreTwiceTheVcpuNumber() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            rig.pvhDom0();
            final Domain domu = rig.xen.createDomain(DomainConfig.hvmGuest("wide", 4));
            for (int n = 0; n < 4; n++) {
                assertEquals(2 * n, domu.vcpu(n).vlapic().apicId());
                assertEquals((long) (2 * n) << 24,
                    domu.vcpu(n).mmioRead(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.ID, 4));
                assertEquals(n % rig.xen.physicalCpus(), domu.vcpu(n).pcpu());
            }
        }

        // a PV domain has no emulated interrupt controllers
        @Test
        void pvDomainHasNoVioapicOrVlapic() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_18);
            final Domain dom0 = rig.pvDom0();
            assertTrue(dom0.vioapics().isEmpty());
            assertNull(dom0.vcpu(0).vlapic());
            assertNull(dom0.hvmIrq());
            assertNull(dom0.apicBus());
            assertTrue(dom0.hasPirqNotion());
        }

        // dom0_setup_permissions: the hardware domain holds IRQs 1 .. nr_irqs_gsi - 1
        @Test
        void hardwareDomainHoldsEveryGsiIrqButZero() {
            final Rig rig = Rig.boot(XenConfig.XEN_4_20);
            final Domain dom0 = rig.pvhDom0();
            final int n = rig.xen.irqDescs().nrIrqsGsi();
            assertEquals(n - 1, dom0.irqCaps().count());
            assertFalse(dom0.irqCaps().permitted(0));
            assertTrue(dom0.irqCaps().permitted(1));
            assertTrue(dom0.irqCaps().permitted(n - 1));
            assertFalse(dom0.irqCaps().permitted(n));
            assertFalse(dom0.hasPirqNotion(), "a PVH dom0 has no pirqs of its own");
        }
    }
}
