package io.irqsim.hv.domain;

import io.irqsim.hv.trace.HvEvent;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.TraceSwitch;

/**
 * An HVM-type domain's interrupt lines ({@code struct hvm_irq}, Xen {@code xen/arch/x86/hvm/irq.c}):
 * per-GSI assertion counts (lines are shared), the 32x4 virtual PCI INTx wires, the ISA IRQ
 * lines, and the four PCI link routes to ISA IRQs. A GSI's count going 0 to 1 asserts its vIO-APIC
 * input; back to 0 deasserts it.
 */
public final class HvmIrq {

    private final Domain domain;
    private final int[] gsiAssertCount;
    private final long[] pciIntx = new long[2];
    private int isaIrqs;
    private final int[] linkRoute = new int[4];
    private final int[] linkAssertCount = new int[4];

    HvmIrq(final Domain domain, final int nrGsis) {
        this.domain = domain;
        this.gsiAssertCount = new int[nrGsis];
    }

    /**
     * The guest GSI a virtual PCI device's INTx reaches ({@code hvm_pci_intx_gsi}, {@code xen/arch/x86/include/asm/hvm/irq.h@RELEASE-4.18.0/4.20.0}).
     *
     * @param device device 0..31
     * @param intx 0..3
     * @return GSI 16..47
     */
    public static int pciIntxGsi(final int device, final int intx) {
        return ((((device << 2) + (device >> 3) + intx) & 31) + 16);
    }

    /**
     * The PCI link a virtual PCI device's INTx uses ({@code hvm_pci_intx_link}, {@code xen/arch/x86/include/asm/hvm/irq.h@RELEASE-4.18.0/4.20.0}).
     *
     * @param device device
     * @param intx 0..3
     * @return link 0..3
     */
    public static int pciIntxLink(final int device, final int intx) {
        return (device + intx) & 3;
    }

    /**
     * {@code hvm_isa_irq_to_gsi} ({@code xen/arch/x86/include/asm/hvm/irq.h@RELEASE-4.18.0/4.20.0}): ISA IRQ 0 is GSI 2, the rest are identity.
     *
     * @param isaIrq ISA IRQ
     * @return GSI
     */
    public static int isaIrqToGsi(final int isaIrq) {
        return isaIrq == 0 ? 2 : isaIrq;
    }

    /** @return number of GSIs ({@code nr_gsis}) */
    public int nrGsis() {
        return gsiAssertCount.length;
    }

    /**
     * @param gsi GSI
     * @return how many sources assert it
     */
    public int gsiAssertCount(final int gsi) {
        return gsiAssertCount[gsi];
    }

    /**
     * {@code hvm_pci_intx_assert} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0}).
     *
     * @param device virtual device 0..31
     * @param intx 0..3
     */
    public void pciIntxAssert(final int device, final int intx) {
        final int bit = device * 4 + intx;
        if ((pciIntx[bit >>> 6] & (1L << bit)) != 0) {
            return;
        }
        pciIntx[bit >>> 6] |= 1L << bit;
        final int gsi = pciIntxGsi(device, intx);
        gsiUp(gsi);
        final int link = pciIntxLink(device, intx);
        final int isa = linkRoute[link];
        if (linkAssertCount[link]++ == 0 && isa != 0) {
            gsiUp(isaIrqToGsi(isa));
        }
        if (TraceSwitch.anyOn()) {
            domain.host().trace().event(HvEvent.INTX_ASSERT, device << 2 | intx, gsi, gsiAssertCount[gsi]);
        }
    }

    /**
     * {@code hvm_pci_intx_deassert} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0}).
     *
     * @param device virtual device 0..31
     * @param intx 0..3
     */
    public void pciIntxDeassert(final int device, final int intx) {
        final int bit = device * 4 + intx;
        if ((pciIntx[bit >>> 6] & (1L << bit)) == 0) {
            return;
        }
        pciIntx[bit >>> 6] &= ~(1L << bit);
        final int gsi = pciIntxGsi(device, intx);
        gsiDown(gsi);
        final int link = pciIntxLink(device, intx);
        final int isa = linkRoute[link];
        if (--linkAssertCount[link] == 0 && isa != 0) {
            gsiDown(isaIrqToGsi(isa));
        }
        if (TraceSwitch.anyOn()) {
            domain.host().trace().event(HvEvent.INTX_DEASSERT, device << 2 | intx, gsi, gsiAssertCount[gsi]);
        }
    }

    /**
     * @param device device
     * @param intx 0..3
     * @return whether that virtual INTx wire is asserted
     */
    public boolean isPciIntxAsserted(final int device, final int intx) {
        final int bit = device * 4 + intx;
        return (pciIntx[bit >>> 6] & (1L << bit)) != 0;
    }

    /**
     * {@code hvm_isa_irq_assert} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0}).
     *
     * @param isaIrq 0..15
     */
    public void isaIrqAssert(final int isaIrq) {
        if ((isaIrqs & (1 << isaIrq)) != 0) {
            return;
        }
        isaIrqs |= 1 << isaIrq;
        gsiUp(isaIrqToGsi(isaIrq));
    }

    /**
     * {@code hvm_isa_irq_deassert} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0}).
     *
     * @param isaIrq 0..15
     */
    public void isaIrqDeassert(final int isaIrq) {
        if ((isaIrqs & (1 << isaIrq)) == 0) {
            return;
        }
        isaIrqs &= ~(1 << isaIrq);
        gsiDown(isaIrqToGsi(isaIrq));
    }

    /**
     * {@code hvm_set_pci_link_route} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0}): moves a link to another ISA IRQ (0 = none), carrying an
     * assertion in progress with it.
     *
     * @param link 0..3
     * @param isaIrq 0..15
     */
    public void setPciLinkRoute(final int link, final int isaIrq) {
        final int old = linkRoute[link];
        if (old == isaIrq) {
            return;
        }
        linkRoute[link] = isaIrq;
        if (linkAssertCount[link] == 0) {
            return;
        }
        if (old != 0) {
            gsiDown(isaIrqToGsi(old));
        }
        if (isaIrq != 0) {
            gsiUp(isaIrqToGsi(isaIrq));
        }
    }

    /**
     * @param link 0..3
     * @return the ISA IRQ it routes to (0 = none)
     */
    public int pciLinkRoute(final int link) {
        return linkRoute[link];
    }

    /**
     * {@code hvm_gsi_assert} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0}) for the hardware domain's identity-mapped GSIs: a level GSI is
     * asserted once (count pinned to 1); an edge GSI sends an edge every time and leaves the count
     * (and so the vIO-APIC input) as it was.
     *
     * @param gsi GSI
     */
    public void gsiAssert(final int gsi) {
        final IoApic io = domain.vioapicForGsi(gsi);
        if (io == null) {
            return;
        }
        final int pin = gsi - io.gsiBase();
        if (Rte.isLevel(io.rte(pin))) {
            if (gsiAssertCount[gsi] == 0) {
                gsiAssertCount[gsi] = 1;
                io.setInput(pin, true);
            }
        } else {
            // assert_gsi -> vioapic_irq_positive_edge, whatever gsi_assert_count is (it stays 1 from
            // an earlier level assertion, which hvm_gsi_deassert clears only while the entry is level)
            io.positiveEdge(pin);
        }
        if (TraceSwitch.anyOn()) {
            domain.host().trace().event(HvEvent.GSI_ASSERT, gsi, 1, 0);
        }
    }

    /**
     * {@code hvm_gsi_deassert} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0}): level GSIs only.
     *
     * @param gsi GSI
     */
    public void gsiDeassert(final int gsi) {
        final IoApic io = domain.vioapicForGsi(gsi);
        if (io == null || !Rte.isLevel(io.rte(gsi - io.gsiBase()))) {
            return;
        }
        gsiAssertCount[gsi] = 0;
        io.setInputWithoutEdge(gsi - io.gsiBase(), false); // see deassertGsi
        if (TraceSwitch.anyOn()) {
            domain.host().trace().event(HvEvent.GSI_ASSERT, gsi, 0, 0);
        }
    }

    /** One more source asserts a shared GSI; the first asserts its vIO-APIC input. */
    private void gsiUp(final int gsi) {
        if (gsiAssertCount[gsi]++ == 0) {
            assertGsi(gsi);
        }
    }

    /** One source fewer; the last one deasserts the input. */
    private void gsiDown(final int gsi) {
        if (--gsiAssertCount[gsi] == 0) {
            deassertGsi(gsi);
        }
    }

    /**
     * {@code assert_gsi} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.18.0/4.20.0}): a guest that mapped a pirq for
     * this emulated GSI ({@code hvm_domain_use_pirq}) gets the pirq's event instead of a vIO-APIC edge.
     */
    private void assertGsi(final int gsi) {
        final IoApic io = domain.vioapicForGsi(gsi);
        if (domain.hasPirqNotion() && sendEmuirqEvent(gsi)) {
            if (io != null) {
                // gsi_assert_count is up all the same: vioapic_write_redirent and
                // vioapic_update_EOI see the line asserted
                io.setInputWithoutEdge(gsi - io.gsiBase(), true);
            }
            return;
        }
        if (io != null) {
            io.setInput(gsi - io.gsiBase(), true);
        }
    }

    /**
     * {@code deassert_gsi}: the vIO-APIC's input goes down. A vIO-APIC's inputs are logical
     * ({@link io.irqsim.hw.ioapic.IoApicModel#xenVioapic}): lowering one never makes an edge, so this
     * is {@link IoApic#setInput setInput(pin, false)} without its delivery branch. Called through
     * {@link IoApic#setInputWithoutEdge} rather than {@code setInput} for the JIT's sake:
     * {@code setInput} is shared by every line of the machine (the physical IO-APIC's active-low PCI
     * lines assert by going low), so its merged profile made every deassert that inlined it carry the
     * whole delivery path (positive edge, APIC bus, LAPIC accept) as compiled code.
     */
    private void deassertGsi(final int gsi) {
        final IoApic io = domain.vioapicForGsi(gsi);
        if (io != null) {
            io.setInputWithoutEdge(gsi - io.gsiBase(), false);
        }
    }

    private boolean sendEmuirqEvent(final int gsi) {
        final int pirq = domain.pirqs().emuirqToPirq(gsi);
        if (pirq == Pirq.EMUIRQ_UNBOUND) {
            return false;
        }
        // send_guest_pirq: an HVM guest's pirq with no channel bound yet is dropped
        final Pirq info = domain.pirqs().get(pirq);
        if (TraceSwitch.anyOn()) {
            domain.host().trace().event(HvEvent.EVTCHN_PIRQ, pirq, info.irq(), info.isEvtchnBound() ? 1 : 0);
        }
        if (info.isEvtchnBound()) {
            domain.sendPirqEvent(pirq);
        }
        return true;
    }
}
