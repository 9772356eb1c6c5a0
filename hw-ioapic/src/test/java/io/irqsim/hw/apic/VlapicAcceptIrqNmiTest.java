package io.irqsim.hw.apic;

import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.RecordingHwTrace;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A pending NMI is one flag, not a count. Xen's {@code vlapic_accept_irq}
 * ({@code xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0}, case {@code APIC_DM_NMI}) does
 * {@code test_and_set_bool(v->arch.nmi_pending)} and kicks the vCPU only when the flag was clear;
 * {@code hvm_vcpu_ack_pending_irq} ({@code xen/arch/x86/hvm/irq.c@RELEASE-4.20.0}) clears it with
 * {@code test_and_clear_bool} when the NMI is injected. A physical CPU likewise holds at most one
 * NMI pending (Intel SDM vol. 3 "Handling Multiple NMIs"): a second one collapses into it.
 */
class VlapicAcceptIrqNmiTest {

    private final RecordingHwTrace trace = new RecordingHwTrace();
    private final LocalApic lapic = new LocalApic(0, 3, false, trace);
    private final int[] kicks = {0};

    VlapicAcceptIrqNmiTest() {
        lapic.setInterruptListener(a -> kicks[0]++);
    }

    // xen/arch/x86/hvm/vlapic.c:vlapic_accept_irq@RELEASE-4.20.0: test_and_set_bool(nmi_pending):
    // a second NMI while one is pending leaves one pending
    @Test
    void vlapicAcceptIrqAbsorbsASecondNmiWhileOneIsPending() {
        assertTrue(lapic.accept(0x00, Rte.DM_NMI, false));
        assertTrue(lapic.accept(0x00, Rte.DM_NMI, false), "the message still reaches its destination");
        assertTrue(lapic.takeNmi(), "one NMI injected");
        assertFalse(lapic.takeNmi(), "the second was absorbed, not queued behind the first");
    }

    // xen/arch/x86/hvm/vlapic.c:vlapic_accept_irq@RELEASE-4.20.0: vcpu_kick only when the
    // test_and_set found nmi_pending clear
    @Test
    void vlapicAcceptIrqKicksTheVcpuOnlyWhenNmiPendingIsNewlySet() {
        lapic.accept(0x00, Rte.DM_NMI, false);
        assertEquals(1, kicks[0]);
        lapic.accept(0x00, Rte.DM_NMI, false);
        lapic.accept(0x00, Rte.DM_NMI, false);
        assertEquals(1, kicks[0], "nmi_pending was already set: no kick");
    }

    // xen/arch/x86/hvm/irq.c:hvm_vcpu_ack_pending_irq@RELEASE-4.20.0: test_and_clear_bool(nmi_pending)
    // on injection, so the next NMI sets the flag again and kicks again
    @Test
    void hvmVcpuAckPendingIrqClearsNmiPendingAndTheNextNmiIsLatchedAndKicksAgain() {
        lapic.accept(0x00, Rte.DM_NMI, false);
        lapic.accept(0x00, Rte.DM_NMI, false);
        assertTrue(lapic.takeNmi());
        assertFalse(lapic.isNmiPending());
        lapic.accept(0x00, Rte.DM_NMI, false);
        assertTrue(lapic.isNmiPending());
        assertEquals(2, kicks[0]);
        assertTrue(lapic.takeNmi());
        assertFalse(lapic.takeNmi());
    }

    // xen/arch/x86/hvm/vlapic.c:vlapic_accept_irq@RELEASE-4.20.0: the absorbed NMI changes nothing;
    // the trace still shows the message arrived, marked absorbed (argument c bit 1), and the
    // accepted-messages statistic counts it
    @Test
    void anAbsorbedNmiIsTracedAsAbsorbedAndCountedAsAMessage() {
        lapic.accept(0x00, Rte.DM_NMI, false);
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACCEPT, 3, Rte.DM_NMI << 8, 0),
            trace.last(HwEvent.LAPIC_ACCEPT));
        lapic.accept(0x00, Rte.DM_NMI, false);
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACCEPT, 3, Rte.DM_NMI << 8, HwEvent.LAPIC_ACCEPT_NMI_ABSORBED),
            trace.last(HwEvent.LAPIC_ACCEPT));
        assertEquals(2, lapic.acceptedCount());
    }

    // Intel SDM vol. 3, 11.6.1 "Interrupt Command Register" / 11.5.1 delivery modes: SMI, INIT and ExtINT are not
    // vectored; the local APIC takes each message (nothing in IRR), and the CPU is signalled for every one, an
    // ExtINT then being acknowledged from the 8259A (INTA). Each is accepted, counted, traced with its delivery
    // mode, and the listener told once per message
    @Test
    void smiInitAndExtIntAreAcceptedAndEachSignalsTheCpu() {
        final int[] modes = {Rte.DM_SMI, Rte.DM_INIT, Rte.DM_EXTINT};
        for (int i = 0; i < modes.length; i++) {
            assertTrue(lapic.accept(0x00, modes[i], false), "mode " + modes[i]);
            assertEquals(i + 1, kicks[0], "mode " + modes[i]);
            assertEquals(i + 1, lapic.acceptedCount());
            assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACCEPT, 3, modes[i] << 8, 0),
                trace.last(HwEvent.LAPIC_ACCEPT));
        }
        assertEquals(1, lapic.smiPending());
        assertEquals(1, lapic.initPending());
        assertEquals(1, lapic.extIntPending());
        assertEquals(-1, lapic.highestInService(), "nothing went through IRR/ISR");
    }

    // HwEvent.LAPIC_ACCEPT (c bit 0: level, for every delivery mode; bit 1: NMI absorbed): a level
    // INIT (SDM 10.6.1, INIT level assert) and a level NMI, then a second one absorbed into it
    @Test
    void nonVectoredMessagesAreTracedWithTheirTriggerMode() {
        assertTrue(lapic.accept(0x00, Rte.DM_INIT, true));
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACCEPT, 3, Rte.DM_INIT << 8, 1),
            trace.last(HwEvent.LAPIC_ACCEPT));
        assertTrue(lapic.accept(0x00, Rte.DM_NMI, true));
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACCEPT, 3, Rte.DM_NMI << 8, 1),
            trace.last(HwEvent.LAPIC_ACCEPT));
        assertTrue(lapic.accept(0x00, Rte.DM_NMI, true));
        assertEquals(new RecordingHwTrace.Event(HwEvent.LAPIC_ACCEPT, 3, Rte.DM_NMI << 8, 3),
            trace.last(HwEvent.LAPIC_ACCEPT));
    }
}
