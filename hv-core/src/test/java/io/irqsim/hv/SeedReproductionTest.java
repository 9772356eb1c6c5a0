package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.domain.DomainType;
import io.irqsim.hv.domain.GuestKernel;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.passthrough.BindPtIrq;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.IoApicRegisters;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed thread's failure and its fixes, driven the way a kernel and a toolstack would. */
class SeedReproductionTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    static void writeRte(final Vcpu v, final int pin, final long rte) {
        final long base = IoApicRegisters.DEFAULT_BASE;
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblHigh(pin));
        v.mmioWrite(base + IoApicRegisters.IOWIN, 4, Rte.high(rte) & 0xFFFF_FFFFL);
        v.mmioWrite(base + IoApicRegisters.IOREGSEL, 4, IoApicRegisters.redtblLow(pin));
        v.mmioWrite(base + IoApicRegisters.IOWIN, 4, Rte.low(rte) & 0xFFFF_FFFFL);
    }

    @Test
    void pvhDom0ThatNeverUnmasksGetsEpermFromIrqPermission() {
        final Hypervisor xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.RFC_BASELINE);
        final Domain dom0 = xen.createDomain(DomainConfig.dom0(DomainType.PVH, 2));
        final Domain domu = xen.createDomain(DomainConfig.hvmGuest("domU", 1));
        // Linux programs the pin from ACPI (level, active low) but leaves it masked
        writeRte(dom0.vcpu(0), GSI, Rte.of(0x61, Rte.DM_FIXED, false, true, true, true, 0));
        assertFalse(xen.ioapicRouting().isPinProgrammed(GSI));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI);
        assertEquals(0, xen.physdev().mapPirq(dom0, map));
        assertEquals(-Errno.EPERM, xen.domctl().irqPermission(dom0, domu.id(), map.pirq, true));
        // the same after an unmask: vioapic_hwdom_map_gsi registers, maps and binds GSI 16 to dom0
        writeRte(dom0.vcpu(0), GSI, Rte.of(0x61, Rte.DM_FIXED, false, true, true, false, 0));
        assertTrue(xen.ioapicRouting().isPinProgrammed(GSI));
        assertEquals(0, xen.domctl().irqPermission(dom0, domu.id(), map.pirq, true));
    }

    @Test
    void pvDom0MapPirqSucceeds() {
        final Hypervisor xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.XEN_4_18);
        final Domain dom0 = xen.createDomain(DomainConfig.dom0(DomainType.PV, 2));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, GSI);
        assertEquals(0, xen.physdev().mapPirq(dom0, map));
        assertEquals(GSI, map.pirq);
        assertEquals(0, xen.physdev().setupGsi(dom0, GSI, 1, 1));
    }

    @Test
    void levelPassthroughInterruptReachesDomUOncePerAssertion() {
        final Hypervisor xen = Hypervisor.boot(DefaultPlatform.spec(), XenConfig.XEN_4_20);
        final Domain dom0 = xen.createDomain(DomainConfig.dom0(DomainType.PVH, 2));
        final Domain domu = xen.createDomain(DomainConfig.hvmGuest("domU", 1));
        final PciFunction nic = xen.platform().pci().function(DefaultPlatform.NIC);
        assertEquals(0, xen.physdev().setupGsi(dom0, GSI, 1, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1);
        assertEquals(0, xen.physdev().mapPirq(dom0, map));
        assertEquals(0, xen.domctl().gsiPermission(dom0, domu.id(), GSI, DomctlOps.GSI_GRANT));
        assertEquals(0, xen.domctl().assignDevice(dom0, domu.id(), DefaultPlatform.NIC));
        final int vdev = 5;
        assertEquals(0, xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, vdev, 0)));

        final int guestGsi = HvmIrq.pciIntxGsi(vdev, 0);
        final int[] handled = {0};
        final Vcpu v = domu.vcpu(0);
        domu.setKernel(new GuestKernel() {
            @Override
            public void interrupt(final Vcpu vcpu, final int vector) {
                assertEquals(0x51, vector);
                handled[0]++;
                nic.setInterruptRequest(false); // the driver acks the device through its BAR
                vcpu.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.EOI, 4, 0);
            }
        });
        v.mmioWrite(LocalApicRegisters.DEFAULT_BASE + LocalApicRegisters.SVR, 4, 0x1FF);
        writeRte(v, guestGsi, Rte.of(0x51, Rte.DM_FIXED, false, true, true, false, 0));

        final IoApic phys = xen.platform().ioapics().get(0);
        for (int i = 1; i <= 50; i++) {
            nic.setInterruptRequest(true);
            xen.drain();
            assertEquals(i, handled[0]);
            assertFalse(Rte.remoteIrr(phys.rte(GSI)), "physical pin EOI'd after the guest EOI");
        }
        assertFalse(Rte.isMasked(phys.rte(GSI)));
        assertTrue(Rte.isLevel(phys.rte(GSI)) && Rte.isActiveLow(phys.rte(GSI)));
    }
}
