package io.irqsim.guest.linux;

import io.irqsim.guest.Timeline;
import io.irqsim.hv.Hypervisor;
import io.irqsim.hv.domain.Domain;
import io.irqsim.hv.domain.DomainConfig;
import io.irqsim.hv.policy.XenConfig;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.pci.PciRoot;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.trace.HwTrace;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-vector mask of an MSI capability with mask bits, as Linux v6.12 drives it
 * (drivers/pci/msi/msi.c at torvalds/linux@017239c8, read through the search index):
 * {@code msi_capability_init} masks the vector ({@code pci_msi_mask}, the saved mask | bit 0) before
 * {@code pci_msi_setup_msi_irqs} and leaves it masked through the enable; the unmask is the irq's
 * startup at {@code request_irq} ({@code pci_msi_unmask_irq}). With {@code XENFEAT_hvm_pirqs}
 * arch/x86/pci/xen.c:xen_setup_pci_msi sets {@code pci_msi_ignore_mask} (commit 7e0815b3, v5.18;
 * an MSI domain flag only from 2025), so {@code msi_setup_msi_desc} clears {@code can_mask} and the
 * mask register is never written.
 */
class PciMsiMaskTest {

    private static final int SLOT = 5;
    static final int CAP = 0x60;
    /** 64-bit capability with per-vector masking: the mask bits at cap + 0x10. */
    static final int MASK = CAP + 0x10;

    /** A function with a 64-bit, per-vector-maskable MSI capability; every config write recorded. */
    static final class MsiFunction extends PciFunction {
        final List<int[]> writes = new ArrayList<>();

        MsiFunction() {
            super(new Bdf(0, SLOT, 0), "msi", 0x8086, 0x100e, 0x020000, 1, 0, HwTrace.NONE);
            put16(PciConfigRegisters.STATUS, 0x10);
            put8(0x34, CAP);
            put8(CAP, 0x05);
            put8(CAP + 1, 0);
            put16(CAP + 2, 0x0180);         // PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT, one vector
            mask16(CAP + 2, 0x0071);        // enable and MME writable
            mask32(CAP + 4, 0xFFFF_FFFC);
            mask32(CAP + 8, 0xFFFF_FFFF);
            mask16(CAP + 0x0c, 0xFFFF);
            mask32(MASK, 0x1);
        }

        @Override
        protected void configWritten(final int offset, final int size, final int value) {
            writes.add(new int[] {offset, size, value});
        }

        int writesAt(final int offset) {
            int n = 0;
            for (final int[] w : writes) {
                if (w[0] == offset) {
                    n++;
                }
            }
            return n;
        }
    }

    /** An HVM guest, with or without pirqs, on a host with or without APICv, with {@link MsiFunction} hot-plugged. */
    static final class Guest {
        final Hypervisor xen;
        final Domain domU;
        final PciRoot pci = new PciRoot();
        final LinuxDomU kernel;
        final MsiFunction f = new MsiFunction();
        final Timeline log;

        Guest(final boolean pirqs) {
            this(pirqs, false);
        }

        Guest(final boolean pirqs, final boolean apicv) {
            xen = Hypervisor.boot(DefaultPlatform.spec().withApicv(apicv), XenConfig.XEN_4_18);
            log = new Timeline(xen.platform().clock(), xen.trace()::recordCount);
            domU = xen.createDomain(DomainConfig.hvmGuest("g", 1, pirqs));
            kernel = new LinuxDomU(xen, domU, log, pci);
            kernel.boot();
            pci.add(f);
        }

        /** The device sends the message its capability holds (address, data), and the machine runs. */
        void fireMsi() {
            domU.apicBus().sendMsi(f.configRead(CAP + 4, 4) & 0xFFFF_FFFFL, f.configRead(CAP + 0x0c, 2));
            xen.drain();
        }

        int enable() {
            assertEquals(0, kernel.pciEnableDevice(f.bdf()));
            kernel.pciSetMaster(f.bdf());
            return kernel.pciAllocIrqVectorsMsi(f.bdf());
        }
    }

    @Test
    void nativeMsiStaysMaskedThroughTheEnableAndRequestIrqUnmasksIt() {
        final Guest g = new Guest(false);
        assertEquals(1, g.enable());
        assertEquals(1, g.f.configRead(CAP + 2, 2) & 1, "MSI enabled");
        assertEquals(1, g.f.configRead(MASK, 4) & 1, "msi_capability_init leaves vector 0 masked");
        final int irq = g.kernel.dev(g.f.bdf()).irq();
        assertEquals(0, g.kernel.requestIrq(irq, "t", IrqHandler.sync(i -> true)));
        assertEquals(0, g.f.configRead(MASK, 4) & 1, "irq_startup -> pci_msi_unmask_irq");
    }

    @Test
    void anMsiOnAnIrqNoteInterruptDisabledIsMaskedByTheFlowHandler() {
        // kernel/irq/spurious.c:note_interrupt disables an irq nobody claims (99,900 of 100,000);
        // the PCI-MSI chip has no irq_disable, so the next MSI's handle_edge_irq masks it
        // (mask_ack_irq -> pci_msi_mask_irq): the capability's mask bit for vector 0
        final Guest g = new Guest(false);
        assertEquals(1, g.enable());
        final int irq = g.kernel.dev(g.f.bdf()).irq();
        assertEquals(0, g.kernel.requestIrq(irq, "t", IrqHandler.sync(i -> false)));
        final long address = g.f.configRead(CAP + 4, 4) & 0xFFFF_FFFFL;
        final int data = g.f.configRead(CAP + 0x0c, 2);
        final LinuxIrq d = g.kernel.irqs().byIrq(irq);
        for (int i = 0; i < 100_000 && !d.isSpuriousDisabled(); i++) {
            g.domU.apicBus().sendMsi(address, data);
            g.xen.drain();
        }
        assertTrue(d.isSpuriousDisabled(), "nobody cared");
        assertEquals(0, g.f.configRead(MASK, 4) & 1, "lazy disable: not masked yet");
        g.domU.apicBus().sendMsi(address, data);
        g.xen.drain();
        assertEquals(1, g.f.configRead(MASK, 4) & 1, "handle_edge_irq masked it");
    }

    @Test
    void xenPirqMsiNeverWritesTheMaskBits() {
        final Guest g = new Guest(true);
        assertEquals(1, g.enable());
        final int irq = g.kernel.dev(g.f.bdf()).irq();
        g.kernel.requestIrq(irq, "t", IrqHandler.sync(i -> true));
        assertEquals(0, g.f.writesAt(MASK), "pci_msi_ignore_mask: can_mask is false");
        assertTrue(g.f.writesAt(CAP + 4) > 0, "the message was written");
    }

    @Test
    void xenPirqMessageIsExtIntVectorZeroWithThePirqInTheDestinationBits() {
        final Guest g = new Guest(true);
        assertEquals(1, g.enable());
        final int lo = g.f.configRead(CAP + 4, 4);
        final int hi = g.f.configRead(CAP + 8, 4);
        final int data = g.f.configRead(CAP + 0x0c, 2);
        final int pirq = (hi & 0xFFFF_FF00) | (lo >>> 12 & 0xff);
        // xen_msi_compose_msg (post-v5.11): base 0xFEE, physical, no redirection hint; address_hi bits 31:8
        // the pirq's bits 31:8; data: APIC_DELIVERY_MODE_EXTINT (7) in bits 10:8, vector 0, edge, deassert
        assertEquals(0xFEE0_0000, lo & 0xFFF0_0FFF);
        assertEquals(0x0700, data);
        assertEquals(g.domU.pirqs().nrPirqs() - 1, pirq, "get_free_pirq: MSI takes the highest free pirq");
        assertEquals(0, hi & 0xff);
    }

    // free_irq -> irq_shutdown (kernel/irq/chip.c@v6.12): the last action going shuts the MSI down, which
    // masks its vector (pci_msi_mask_irq; the PCI-MSI chip's irq_shutdown does the same)
    @Test
    void irqShutdownMasksANativeMsiWhenItsLastHandlerIsFreed() {
        final Guest g = new Guest(false);
        assertEquals(1, g.enable());
        final int irq = g.kernel.dev(g.f.bdf()).irq();
        final IrqHandler h = IrqHandler.sync(i -> true);
        assertEquals(0, g.kernel.requestIrq(irq, "t", h));
        assertEquals(0, g.f.configRead(MASK, 4) & 1);
        assertEquals("t", g.kernel.freeIrq(irq, h));
        assertEquals(1, g.f.configRead(MASK, 4) & 1, "irq_shutdown masked vector 0");
    }

    // disable_irq on the PCI-MSI chip, which has no irq_disable, is lazy (__irq_disable, kernel/irq/chip.c@v6.12):
    // the next MSI finds the irq disabled and handle_edge_irq masks it (mask_ack_irq -> pci_msi_mask_irq);
    // enable_irq -> irq_enable, no chip irq_enable -> unmask_irq -> pci_msi_unmask_irq clears the bit again
    @Test
    void enableIrqUnmasksANativeMsiTheFlowHandlerMaskedWhileDisabled() {
        final Guest g = new Guest(false);
        assertEquals(1, g.enable());
        final int irq = g.kernel.dev(g.f.bdf()).irq();
        final int[] ran = {0};
        assertEquals(0, g.kernel.requestIrq(irq, "t", CountingHandler.counting(ran)));
        final long address = g.f.configRead(CAP + 4, 4) & 0xFFFF_FFFFL;
        final int data = g.f.configRead(CAP + 0x0c, 2);
        assertEquals(0, g.kernel.disableIrq(irq));
        assertEquals(0, g.f.configRead(MASK, 4) & 1, "lazy: not masked yet");
        g.domU.apicBus().sendMsi(address, data);
        g.xen.drain();
        assertEquals(0, ran[0]);
        assertEquals(1, g.f.configRead(MASK, 4) & 1, "handle_edge_irq masked it");
        assertEquals(0, g.kernel.enableIrq(irq));
        assertEquals(0, g.f.configRead(MASK, 4) & 1, "unmask_irq -> pci_msi_unmask_irq");
    }
}
