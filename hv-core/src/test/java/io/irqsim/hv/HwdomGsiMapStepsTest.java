package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceFormat;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The steps of {@code vioapic_hwdom_map_gsi} (xen/arch/x86/hvm/vioapic.c@RELEASE-4.18.0/4.20.0) and their
 * errors: {@code mp_register_gsi} ("error registering GSI"), {@code allocate_and_map_gsi_pirq} ("error
 * mapping GSI"), each returned to the caller; and what {@code domain_kill} leaves of a domain.
 */
class HwdomGsiMapStepsTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    // mp_register_gsi: "No IOAPIC for GSI" -> -EINVAL, returned by vioapic_hwdom_map_gsi
    @Test
    void aGsiNoIoApicHasFailsRegistrationInEitherEntryPoint() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        assertEquals(-Errno.EINVAL, rig.xen.mapGsi(dom0, 99, true, true));
        assertEquals(-Errno.EINVAL, rig.xen.registerAndBind(dom0, 99, true, true));
        final List<TraceRecord> maps = rig.records(HvEvent.HWDOM_MAP_GSI);
        assertEquals(2, maps.size());
        assertEquals(99, maps.get(0).a());
        assertEquals(3, maps.get(0).b(), "level (2) | active low (1)");
        assertEquals(-Errno.EINVAL, maps.get(1).c());
    }

    // allocate_and_map_gsi_pirq for GSI 0: irq = index = 0, which dom0's irq_caps never hold
    // (dom0_setup_permissions) -> map_domain_pirq -EPERM
    @Test
    void theHardwareDomainCannotMapAPirqForGsiZero() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        assertEquals(-Errno.EPERM, rig.xen.mapPirq(dom0, 0));
        assertEquals(GSI, rig.xen.mapPirq(dom0, GSI), "pirq = GSI");
    }

    // vioapic_hwdom_map_gsi@RELEASE-4.20.0 for GSI 0: mp_register_gsi finds IRQ 0 enabled with Xen's timer
    // (time.c:early_time_init setup_irq(0, ...)) and gives -EEXIST, which ends the map with 0: no pirq is
    // asked for, pin 0 stays at its reset value. Before, irqsim programmed pin 0 and then failed the map (-EPERM).
    @Test
    void theHardwareDomainsMapOfGsiZeroStopsAtMpRegisterGsi() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        assertEquals(0, rig.xen.mapGsi(dom0, 0, false, false));
        assertEquals(-Errno.EEXIST, rig.records(HvEvent.GSI_REGISTER).get(0).c());
        assertEquals(0, rig.count(HvEvent.PIRQ_MAP), "allocate_and_map_gsi_pirq is not reached");
        assertEquals(Rte.RESET, rig.physRte(0));
        assertEquals(0, dom0.pirqs().pirqToIrq(0));
    }

    // the unmask of a GSI whose IRQ dom0 already mapped to another pirq: allocate_pirq "irq already
    // mapped to pirq" -> -EEXIST; vioapic_hwdom_map_gsi returns it and binds nothing
    @Test
    void anIrqMappedToAnotherPirqStopsTheMapAtAllocatePirq() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(Domain.DOMID_SELF, PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, 40);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(40, dom0.pirqs().irqToPirq(GSI));
        Rig.writeRte(dom0.vcpu(0), GSI, Rig.pciLevelLow(0x61, true));
        Rig.writeRteLow(dom0.vcpu(0), GSI, Rte.low(Rig.pciLevelLow(0x61, false)));
        final List<TraceRecord> maps = rig.records(HvEvent.HWDOM_MAP_GSI);
        assertEquals(1, maps.size());
        assertEquals(-Errno.EEXIST, maps.get(0).c());
        assertEquals(0, rig.xen.irqDescs().desc(GSI).nrGuests(), "no pt_irq_create_bind");
        assertEquals(0, dom0.pirqs().pirqToIrq(GSI));
    }

    // Hypervisor#drain: the items of work it ran, 0 when nothing was queued
    @Test
    void drainCountsTheWorkItRan() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        assertEquals(0, rig.xen.drain());
        rig.device(DefaultPlatform.NIC).setInterruptRequest(true);
        assertTrue(rig.xen.drain() >= 2, "the physical CPU's interrupt, then the passthrough softirq");
    }

    // domain_kill runs as Xen, not as the domain last running; irq_caps emptied (an IRQ granted by
    // gsi_permission without a pirq too); the emulated IO-APIC's entries do not outlive it
    @Test
    void destroyRunsInXensContextAndLeavesNoCapabilitiesOrVioapicState() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), 20, DomctlOps.GSI_GRANT));
        assertTrue(domu.irqCaps().permitted(20));
        Rig.writeRte(domu.vcpu(0), 36, Rig.pciLevelLow(0x51, false));
        final IoApic vio = domu.vioapics().get(0);
        assertFalse(Rte.isMasked(vio.rte(36)));
        rig.xen.destroyDomain(domu);
        assertEquals(0, domu.irqCaps().count());
        assertEquals(Rte.RESET, vio.rte(36));
        final List<TraceRecord> destroys = rig.records(HvEvent.DOMAIN_DESTROY);
        assertEquals(1, destroys.size());
        assertEquals(domu.id(), destroys.get(0).a());
        assertEquals(TraceFormat.DOMID_XEN, destroys.get(0).domain());
        assertEquals(0, destroys.get(0).cpu());
    }
}
