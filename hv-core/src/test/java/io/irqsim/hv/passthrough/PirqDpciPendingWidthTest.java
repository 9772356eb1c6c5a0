package io.irqsim.hv.passthrough;

import io.irqsim.hv.Rig;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.platform.DefaultPlatform;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code struct hvm_pirq_dpci}'s {@code pending} is a {@code uint16_t}
 * (xen/arch/x86/include/asm/hvm/irq.h@RELEASE-4.18.0/4.20.0): {@code hvm_dirq_assist}'s
 * {@code pirq_dpci->pending++} for every physical interrupt, and {@code hvm_pirq_eoi}'s
 * {@code --pirq_dpci->pending}, count modulo 65536.
 */
class PirqDpciPendingWidthTest {

    static final int GSI = DefaultPlatform.NIC_GSI;

    // an edge GSI (ACKTYPE_NONE) is taken at every edge whether or not the guest EOI'd the last one,
    // so a guest that never EOIs sees pending climb by one per edge; the 65536th wraps it to 0
    @Test
    void pendingCountsEdgesTheGuestNeverEoidModulo65536() {
        final Rig rig = Rig.boot(XenConfig.XEN_4_20);
        final Domain dom0 = rig.pvhDom0();
        final Domain domu = rig.hvmGuest("domU");
        final PciFunction nic = rig.device(DefaultPlatform.NIC);
        assertEquals(0, rig.xen.physdev().setupGsi(dom0, GSI, 0, 1)); // edge, active low
        final int pirq = rig.passThrough(dom0, domu, DefaultPlatform.NIC, GSI, 5);
        Rig.onInterrupt(domu, (vcpu, vector) -> { }); // takes the interrupt, never EOIs
        final PirqDpci pd = domu.pirqs().get(pirq).dpci();
        rig.trace.setEnabled(false);
        for (int i = 1; i <= 65535; i++) {
            edge(rig, nic);
        }
        assertEquals(0xFFFF, pd.pending(), "65535 edges, no guest EOI");
        edge(rig, nic);
        assertEquals(0, pd.pending(), "the 65536th: pending++ on 0xFFFF gives 0");
        edge(rig, nic);
        assertEquals(1, pd.pending());
    }

    /** One falling edge of the active-low line; 2 us apart keeps under irq_ratelimit's 10000 per 10 ms. */
    static void edge(final Rig rig, final PciFunction nic) {
        nic.setInterruptRequest(true);
        rig.xen.drain();
        nic.setInterruptRequest(false);
        rig.xen.advanceTime(2_000);
    }
}
