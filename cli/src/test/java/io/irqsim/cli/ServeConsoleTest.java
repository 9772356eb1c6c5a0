package io.irqsim.cli;

import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.net.server.DmServer;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.trace.TraceRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands {@code irqsim serve} reads on standard input, and what it says about failed attaches. */
class ServeConsoleTest {

    @TempDir
    Path dir;

    @Test
    void stateAndTimelineAnswerWhileServing() throws Exception {
        final Path trace = dir.resolve("serve.trace");
        final DmServer server = DmServer.start(() -> ScenarioMachine.boot(Scenario.defaultScenario(),
                Strategies.byName("status-quo"), clock -> TraceRecorder.mappedFile(trace, clock)),
            DmServerConfig.DEFAULT, List.of(ListenAddress.parse("tcp:127.0.0.1:0")), line -> { });
        try {
            assertEquals(List.of("warning: pci-attach of 00:03.0 to domU failed at irq_permission:-EPERM; the guest runs"
                + " without it (see 'irqsim run' for the whole story)"), server.call(ServeCommand::failedAttaches));
            final StringWriter out = new StringWriter();
            new ServeConsole(server, new PrintWriter(out), true).readAll(new ByteArrayInputStream(
                "state\ntimeline\n\ntimeline\nbogus\n".getBytes(StandardCharsets.UTF_8)));
            final String text = out.toString();
            assertTrue(text.contains("physical IO-APIC 0 "), text);
            assertTrue(text.contains("Xen IRQ descriptors (xl debug-keys i):"), text);
            assertTrue(text.contains("d1 vIO-APIC 0 (emulated by Xen)"), text);
            assertTrue(text.contains("libxl: irq_permission(pirq 16) = -EPERM\n"), text);
            assertTrue(text.contains("(no new trace records)\n"), "the second timeline has nothing new: " + text);
            assertTrue(text.contains("unknown command 'bogus'; commands: state"), text);
        } finally {
            server.close();
        }
    }

    @Test
    void timelineWithoutATraceSaysHowToGetOne() throws Exception {
        final DmServer server = DmServer.start(() -> ScenarioMachine.boot(Scenario.defaultScenario(),
            Strategies.byName("pciback-setup-gsi")), DmServerConfig.DEFAULT,
            List.of(ListenAddress.parse("tcp:127.0.0.1:0")), line -> { });
        try {
            assertEquals(List.of(), server.call(ServeCommand::failedAttaches));
            final StringWriter out = new StringWriter();
            new ServeConsole(server, new PrintWriter(out), false).answer("timeline");
            assertEquals("no trace is being recorded: start serve with --trace FILE\n", out.toString());
        } finally {
            server.close();
        }
    }
}
