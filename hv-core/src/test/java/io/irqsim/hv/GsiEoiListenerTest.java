package io.irqsim.hv;

import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.GsiEoiListener;
import io.irqsim.hv.domain.HvmIrq;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Domain#addGsiEoiListener}: a device model outside the hypervisor learns of the guest's
 * EOI of a level GSI at the point where Xen's {@code vioapic_update_EOI} calls
 * {@code hvm_dpci_eoi}, by either EOI mechanism (LAPIC EOI broadcast, or Linux's level-to-edge
 * rewrite of the entry), and only for its own domain.
 */
class GsiEoiListenerTest {

    static final int SLOT = 6;
    static final int GSI = HvmIrq.pciIntxGsi(SLOT, 0);
    static final int VECTOR = 0x61;

    Rig rig;
    Domain dom0;
    Domain domu;
    Domain other;
    Domain stub;
    final List<String> eois = new ArrayList<>();
    final GsiEoiListener listener = (d, gsi) -> eois.add(d.name() + ":" + gsi);

    @BeforeEach
    void boot() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        dom0 = rig.pvhDom0();
        domu = rig.hvmGuest("domU");
        other = rig.hvmGuest("other");
        stub = rig.xen.createDomain(new io.irqsim.hv.domain.DomainConfig("dm", io.irqsim.hv.domain.DomainType.PV, 1,
            false, false, false, true));
        stub.setDeviceModelFor(domu);
        for (final Domain d : List.of(domu, other)) {
            Rig.enableVlapic(d.vcpu(0));
            Rig.onInterrupt(d, (v, vector) -> { });
            Rig.writeRte(d.vcpu(0), GSI, Rig.pciLevelLow(VECTOR, false));
            d.addGsiEoiListener(listener);
        }
    }

    @AfterEach
    void close() {
        rig.close();
    }

    /** The device model pulses the INTx of its device at {@link #SLOT} in domU. */
    private void raiseAndLower() {
        assertEquals(0, rig.xen.dmop().setPciIntxLevel(stub, domu.id(), 0, 0, SLOT, 0, 1));
        assertEquals(0, rig.xen.dmop().setPciIntxLevel(stub, domu.id(), 0, 0, SLOT, 0, 0));
    }

    @Test
    void lapicEoiOfALevelInterruptIsReported() {
        raiseAndLower();
        assertTrue(eois.isEmpty(), "nothing before the guest's EOI");
        Rig.lapicEoi(domu.vcpu(0));
        assertEquals(List.of("domU:" + GSI), eois);
    }

    @Test
    void edgeRewriteEoiIsReported() {
        raiseAndLower();
        final Vcpu v = domu.vcpu(0);
        // __eoi_ioapic_pin: rewrite the entry masked and edge (clears Remote IRR), then restore it
        final long entry = Rig.pciLevelLow(VECTOR, false);
        Rig.writeRteLow(v, GSI, Rte.low(Rte.withMask(entry & ~Rte.TRIGGER_LEVEL, true)));
        assertEquals(List.of("domU:" + GSI), eois);
        Rig.writeRteLow(v, GSI, Rte.low(entry));
        assertEquals(1, eois.size(), "restoring the entry is no second EOI");
    }

    @Test
    void anEdgeInterruptsEoiIsNotReported() {
        Rig.writeRte(domu.vcpu(0), GSI, Rte.of(VECTOR, Rte.DM_FIXED, false, true, false, false, 0));
        raiseAndLower();
        Rig.lapicEoi(domu.vcpu(0));
        assertTrue(eois.isEmpty(), eois.toString());
    }

    @Test
    void onlyTheDomainsOwnListenersAndRemovedOnesStayQuiet() {
        domu.removeGsiEoiListener(listener);
        final List<Integer> mine = new ArrayList<>();
        domu.addGsiEoiListener((d, gsi) -> mine.add(gsi));
        raiseAndLower();
        Rig.lapicEoi(domu.vcpu(0));
        assertEquals(List.of(GSI), mine);
        assertTrue(eois.isEmpty(), "the removed listener and the other domain's heard nothing: " + eois);
    }
}
