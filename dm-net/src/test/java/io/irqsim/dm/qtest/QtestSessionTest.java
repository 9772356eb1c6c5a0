package io.irqsim.dm.qtest;

import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.wire.IrqWire;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Session behaviour the golden transcripts cannot show compactly. */
class QtestSessionTest {

    private final List<String> out = new ArrayList<>();
    private final QtestSession session = new QtestSession(out::add);

    private List<String> run(final String... lines) {
        out.clear();
        for (final String l : lines) {
            session.handleLine(l);
        }
        return new ArrayList<>(out);
    }

    private void programLevelNicLine() {
        run("writel 0xfee000f0 0x1ff",
            "writel 0xfec00000 0x30",
            "writel 0xfec00010 0xa041");
    }

    @Test
    void trailingCarriageReturnIsIgnored() {
        assertEquals(List.of("OK 0x0000000001050014"), run("readl 0xfee00030\r"));
    }

    @Test
    void emptyAndCommentLinesGetNoReply() {
        assertEquals(List.of(), run("", "   ", "\t", "# comment", "  # indented", "\r"));
    }

    @Test
    void unknownCommandIsEchoedPrintableAndShort() {
        assertEquals(List.of("FAIL Unknown command '?foo?'"), run("\u0001foo\u00ff"));
        final String word = "a".repeat(100);
        assertEquals(List.of("FAIL Unknown command '" + "a".repeat(40) + "...'"), run(word));
    }

    @Test
    void megabyteReadAndWriteAtTheLimit() {
        final List<String> r = run("read 0 0x100000");
        assertEquals(1, r.size());
        assertEquals(5 + 2 * QtestSession.MAX_DATA_BYTES, r.get(0).length());
        assertTrue(r.get(0).startsWith("OK 0xffff"));
        assertTrue(r.get(0).substring(5).chars().allMatch(c -> c == 'f'));
        final String write = "write 0x100000 0x100000 0x" + "ab".repeat(QtestSession.MAX_DATA_BYTES);
        assertTrue(write.length() <= QtestSession.MAX_LINE_LENGTH);
        assertEquals(List.of("OK"), run(write));
    }

    @Test
    void interceptionReportsEveryMessageAndKeepsDeliveringToTheLapic() {
        programLevelNicLine();
        assertEquals(List.of("OK"), run("set_irq_in ioapic unnamed-gpio-in 16 1"), "no notices before interception");
        assertTrue(session.platform().lapic(0).irr(0x41));
        assertEquals(List.of("OK", "OK 0x41", "IRQ raise 16", "OK 0x41"),
            run("irq_intercept_in ioapic", "irqsim_ack", "irqsim_eoi"));
        // interception does not take the interrupt away from the CPU (QEMU's does)
        assertTrue(session.platform().lapic(0).irr(0x41));
        assertTrue(session.intercepting());
    }

    // ICH datasheets: the machine's IO-APIC has no storm guard (that is QEMU's/KVM's): a stuck level
    // line is sent again at every EOI, and no timer is armed for clock_step to release
    @Test
    void aStuckLevelLineIsRedeliveredAtEveryEoiWithoutADeferral() {
        programLevelNicLine();
        run("irq_intercept_in ioapic", "set_irq_in ioapic unnamed-gpio-in 16 1");
        for (int i = 0; i < 2 * IoApic.STORM_MAX_SUCCESSIVE; i++) {
            assertEquals(List.of("OK 0x41", "IRQ raise 16", "OK"), run("irqsim_ack", "writel 0xfee000b0 0"));
        }
        assertEquals(0, session.platform().clock().armedTimers());
        assertEquals(List.of("OK 0x41"), run("irqsim_ack"));
        assertEquals(List.of("OK 0"), run("clock_step"), "no deadline: time stays");
    }

    // qtest clock_step NS: every timer due on the way fires (a timer armed by the test stands in
    // for a device's)
    @Test
    void clockStepWithAnArgumentFiresTimersOnTheWay() {
        final int[] fired = new int[1];
        session.platform().clock().newTimer("test", () -> fired[0]++).armAfter(10_000_000L);
        assertEquals(List.of("OK 9999999"), run("clock_step 9999999"));
        assertEquals(0, fired[0]);
        assertEquals(List.of("OK 20000000"), run("clock_step 10000001"));
        assertEquals(1, fired[0]);
    }

    @Test
    void noticesFollowTheIoApicAfterTheGuestChangesItsId() {
        run("irq_intercept_in ioapic",
            // IOAPICID <- 5
            "writel 0xfec00000 0", "writel 0xfec00010 0x05000000", "readl 0xfec00010");
        assertEquals(List.of("OK 0x0000000005000000"), run("readl 0xfec00010"));
        programLevelNicLine();
        assertEquals(List.of("IRQ raise 16", "OK"), run("set_irq_in ioapic unnamed-gpio-in 16 1"));
    }

    @Test
    void resetKeepsInterceptionAndAttachesAFreshDriver() {
        programLevelNicLine();
        run("irq_intercept_in ioapic", "set_irq_in ioapic unnamed-gpio-in 16 1");
        assertEquals(List.of("OK"), run("irqsim_reset"));
        assertTrue(session.intercepting());
        assertTrue(session.platform().allEntriesReset());
        assertEquals(0, session.platform().wire(DefaultPlatform.NIC_GSI).assertingDrivers());
        programLevelNicLine();
        assertEquals(List.of("IRQ raise 16", "OK"), run("set_irq_in ioapic unnamed-gpio-in 16 1"));
        assertEquals(1, session.platform().wire(DefaultPlatform.NIC_GSI).assertingDrivers());
    }

    @Test
    void theClientIsOneDriverPerPinSharingTheWireWithTheDevice() {
        programLevelNicLine();
        run("irq_intercept_in ioapic");
        // the NIC itself asserts INTA (not through qtest): the shared line goes low; the notice
        // comes out before the reply of the next command
        session.platform().pci().function(DefaultPlatform.NIC).setInterruptRequest(true);
        assertEquals(List.of("IRQ raise 16", "OK 0x41"), run("irqsim_ack"));
        // the qtest driver asserting and releasing changes nothing: the NIC still holds the wire low
        assertEquals(List.of("OK", "OK", "OK"), run("set_irq_in ioapic unnamed-gpio-in 16 1",
            "set_irq_in ioapic unnamed-gpio-in 16 0", "set_irq_in ioapic unnamed-gpio-in 16 1"));
        final IrqWire wire = session.platform().wire(DefaultPlatform.NIC_GSI);
        assertFalse(wire.electricalHigh());
        assertEquals(2, wire.assertingDrivers());
        int qtestDrivers = 0;
        for (int d = 0; d < wire.driverCount(); d++) {
            if (QtestSession.DRIVER_NAME.equals(wire.driverName(d))) {
                qtestDrivers++;
            }
        }
        assertEquals(1, qtestDrivers, "attached once, on first use");
    }

    @Test
    void downstreamTraceSeesEveryHardwareEvent() {
        final int[] delivered = new int[1];
        final QtestSession traced = new QtestSession(DefaultPlatform.spec(), line -> { },
            (event, a, b, c) -> {
                if (event == HwEvent.IOAPIC_DELIVER) {
                    delivered[0]++;
                }
            });
        for (final String l : List.of("writel 0xfee000f0 0x1ff", "writel 0xfec00000 0x30",
            "writel 0xfec00010 0xa041", "set_irq_in ioapic unnamed-gpio-in 16 1")) {
            traced.handleLine(l);
        }
        assertEquals(1, delivered[0]);
    }

    @Test
    void cpuSelectionChoosesTheLapicPage() {
        assertEquals(List.of("OK", "OK 0x0000000001000000", "OK 1"),
            run("irqsim_cpu 1", "readl 0xfee00020", "irqsim_cpu"));
        assertEquals(1, session.currentCpu());
        // the write goes to CPU 1's LAPIC only
        run("writel 0xfee000f0 0x1ff");
        assertTrue(session.platform().lapic(1).isSoftwareEnabled());
        assertFalse(session.platform().lapic(0).isSoftwareEnabled());
    }

    @Test
    void stdioAnswersAnOverlongLineAndGoesOn() throws Exception {
        final byte[] big = ("readl " + "9".repeat(QtestSession.MAX_LINE_LENGTH) + "\nreadl 0xfee00030\nreadl 0xfee00020")
            .getBytes(StandardCharsets.ISO_8859_1);
        final StringWriter sw = new StringWriter();
        QtestStdio.run(new ByteArrayInputStream(big), new PrintWriter(sw));
        assertEquals("FAIL line too long (longest accepted: " + QtestSession.MAX_LINE_LENGTH + " bytes)\n"
            + "OK 0x0000000001050014\n"
            // a last line without a line feed is still executed on stdin
            + "OK 0x0000000000000000\n", sw.toString());
    }
}
