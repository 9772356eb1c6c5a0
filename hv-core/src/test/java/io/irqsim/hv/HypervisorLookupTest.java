package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hv.trace.TraceRecord;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Domain lookup for hypercalls ({@code rcu_lock_domain_by_any_id}: {@code DOMID_SELF} is the caller; a dying
 * domain is not found), device ownership (a device no guest holds is the hardware domain's), and the trace of
 * every vIO-APIC redirection-entry write ({@code vioapic_write_redirent}, {@code xen/arch/x86/hvm/vioapic.c}
 * @RELEASE-4.18.0).
 */
class HypervisorLookupTest {

    @Test
    void lookupResolvesDomidSelfAndHidesDyingDomains() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertSame(dom0, rig.xen.lookup(dom0, Domain.DOMID_SELF));
        assertSame(domu, rig.xen.lookup(dom0, domu.id()));
        assertNull(rig.xen.lookup(dom0, 99));
        domu.setDying();
        assertNull(rig.xen.lookup(dom0, domu.id()));
        assertSame(domu, rig.xen.domain(domu.id()), "still listed until destroyed");
    }

    @Test
    void deassignedDeviceGoesBackToTheHardwareDomain() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
        rig.xen.assign(DefaultPlatform.NIC, domu);
        assertSame(domu, rig.xen.deviceOwner(DefaultPlatform.NIC));
        rig.xen.deassign(DefaultPlatform.NIC, domu);
        assertSame(dom0, rig.xen.deviceOwner(DefaultPlatform.NIC));
        assertTrue(domu.assignedDevices().isEmpty());
    }

    @Test
    void everyRedirectionEntryWriteIsTracedWithTheGsiAndOldAndNewEntries() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final long rte = Rig.pciLevelLow(0x51, true);
        Rig.writeRte(domu.vcpu(0), 40, rte);
        final List<TraceRecord> writes = rig.records(HvEvent.VIOAPIC_RTE_WRITE);
        assertEquals(2, writes.size(), "high dword, then low dword");
        final TraceRecord low = writes.get(1);
        assertEquals(40, low.a());
        assertEquals(Rte.RESET, low.b());
        assertEquals(rte, low.c());
        assertEquals(domu.id(), low.domain());
    }
}
