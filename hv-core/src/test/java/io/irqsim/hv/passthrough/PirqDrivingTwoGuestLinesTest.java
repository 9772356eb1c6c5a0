package io.irqsim.hv.passthrough;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.hypercall.DomctlOps;
import io.irqsim.hv.hypercall.PhysdevOps;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * One machine pirq bound to two virtual INTx lines of the same guest ({@code pt_irq_create_bind}
 * twice: two {@code dev_intx_gsi_link}s). {@code hvm_dirq_assist} asserts both and counts two
 * pending EOIs; {@code hvm_pirq_eoi} completes the physical interrupt only at the last one.
 */
class PirqDrivingTwoGuestLinesTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    // hvm_pirq_eoi: --pending != 0 -> no pirq_guest_eoi yet
    @Test
    void physicalEoiWaitsForTheGuestEoiOfEveryLineThePirqDrives() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 1, 1));
        final PhysdevOps.MapPirq map = new PhysdevOps.MapPirq(domu.id(), PhysdevOps.MAP_PIRQ_TYPE_GSI, GSI, -1);
        assertEquals(0, rig.xen.physdev().mapPirq(dom0, map));
        assertEquals(0, rig.xen.domctl().gsiPermission(dom0, domu.id(), GSI, DomctlOps.GSI_GRANT));
        assertEquals(0, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 5, 0)));
        assertEquals(0, rig.xen.domctl().bindPtIrq(dom0, domu.id(), new BindPtIrq(map.pirq, 0, 6, 0)));
        assertEquals(1, rig.xen.irqDescs().desc(GSI).nrGuests(), "the second binding does not bind the IRQ again");
        assertEquals(2, domu.pirqs().get(map.pirq).dpci().digls().size());
        final Vcpu v = domu.vcpu(0);
        Rig.enableVlapic(v);
        final int gsiA = HvmIrq.pciIntxGsi(5, 0);
        final int gsiB = HvmIrq.pciIntxGsi(6, 0);
        Rig.writeRte(v, gsiA, Rig.pciLevelLow(0x51, false));
        Rig.writeRte(v, gsiB, Rig.pciLevelLow(0x62, false));
        final List<String> seen = new ArrayList<>();
        Rig.onInterrupt(domu, (vcpu, vector) -> {
            nic.setInterruptRequest(false);
            seen.add(String.format("0x%x pending=%d rIRR=%b", vector, domu.pirqs().get(map.pirq).dpci().pending(),
                Rte.remoteIrr(rig.physRte(GSI))));
            Rig.lapicEoi(vcpu);
            seen.add(String.format("eoi 0x%x pending=%d rIRR=%b", vector,
                domu.pirqs().get(map.pirq).dpci().pending(), Rte.remoteIrr(rig.physRte(GSI))));
        });
        nic.setInterruptRequest(true);
        rig.xen.drain();
        // the higher vector is taken first; its EOI leaves one pending; the second completes it
        assertEquals(List.of(
            "0x62 pending=2 rIRR=true", "eoi 0x62 pending=1 rIRR=true",
            "0x51 pending=1 rIRR=true", "eoi 0x51 pending=0 rIRR=false"), seen);
        assertEquals(1, rig.count(HvEvent.PHYS_EOI));
        assertFalse(Rte.remoteIrr(rig.physRte(GSI)));
    }
}
