package io.irqsim.hv.domain;

import io.irqsim.hv.Rig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.ioapic.Rte;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A lowest-priority vIO-APIC message to a guest whose vLAPICs all have the same PPR:
 * {@code vioapic_deliver} asks {@code vlapic_lowest_prio} ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}),
 * which walks the vCPUs starting after {@code round_robin_prev_vcpu} (0 when the domain is
 * created), keeps the first one with the strictly lowest PPR and remembers it. So the first
 * message goes to vCPU 1, the next to vCPU 0.
 */
class VlapicLowestPrioRoundRobinTest {

    private Rig rig;
    private Domain domu;

    @BeforeEach
    void boot() {
        rig = Rig.boot(XenConfig.XEN_4_20);
        domu = rig.xen.createDomain(DomainConfig.hvmGuest("domU", 3));
        for (int v = 0; v < 3; v++) {
            Rig.enableVlapic(domu.vcpu(v));
        }
        // ISA IRQ 5 is GSI 5: edge, lowest priority, physical broadcast
        Rig.writeRte(domu.vcpu(0), 5, Rte.of(0x55, Rte.DM_LOWEST_PRIORITY, false, false, false, false, 0xFF));
    }

    private int winner() {
        domu.hvmIrq().isaIrqAssert(5);
        domu.hvmIrq().isaIrqDeassert(5);
        int won = -1;
        for (int v = 0; v < 3; v++) {
            final LocalApic l = domu.vcpu(v).vlapic();
            if (l.irr(0x55)) {
                assertEquals(-1, won, "one vCPU only");
                won = v;
                assertEquals(0x55, l.acknowledge());
                l.eoi();
            }
        }
        return won;
    }

    // xen/arch/x86/hvm/vlapic.c:vlapic_lowest_prio@RELEASE-4.20.0 (from vioapic.c:vioapic_deliver):
    // the walk starts at the vCPU after round_robin_prev_vcpu, which starts at 0
    @Test
    void vlapicLowestPrioStartsAfterVcpu0AndRotates() {
        final int[] won = new int[4];
        for (int i = 0; i < won.length; i++) {
            won[i] = winner();
        }
        assertEquals("[1, 2, 0, 1]", java.util.Arrays.toString(won));
    }
}
