package io.irqsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code irqsim bench} with a scenario's {@code guests[].vfioUser} entry: the device is plugged
 * into each machine the command boots (a connection per machine) and the timed interrupts are
 * still the passed-through device's (or the device model's); the vfio-user server's interrupts
 * are not driven, since the server paces them in wall-clock time.
 */
class BenchVfioUserTest {

    @TempDir
    Path dir;

    private static String plugged(final Path sock) {
        return "irqsim bench: vfio-user: plugged 4952:5153 from " + sock + " into domU at 00:06.0, INTA -> guest GSI 40"
            + " (its interrupts are not driven: the server paces them)\n";
    }

    @Test
    void latencyBenchPlugsTheDeviceAndTimesThePassedThroughOne() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        try (VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, 1)) {
            final CliRun.Result r = CliRun.run("bench", "-n", "200", "--warmup", "20", "--no-progress", "--json",
                VfioUserServers.scenario(dir, "vfio.yaml", sock, 1, true).toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            assertEquals(plugged(sock), r.err());
            assertTrue(r.out().contains("\"count\" : 200"), r.out());
            assertEquals(1, srv.server.connections());
            // the server raised its INTx when it got the eventfd; nobody asserted it, so no EOI, no UNMASK
            assertEquals(1, srv.device.intxRaised());
            assertEquals(0, srv.unmasks.get());
        }
    }

    @Test
    void throughputPlugsTheDeviceIntoTheWarmUpAndTheMeasuredRunEachOnItsOwnConnection() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        try (VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, 1)) {
            final CliRun.Result r = CliRun.run("bench", "--throughput", "-n", "1000", "--warmup", "100",
                VfioUserServers.scenario(dir, "vfio.yaml", sock, 1, true).toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            assertEquals(plugged(sock), r.err());
            assertTrue(r.out().contains("1,000 (1,000 handled by a driver)"), r.out());
            assertEquals(2, srv.server.connections());
            assertEquals(0, srv.unmasks.get());
        }
    }

    @Test
    void devmodelBenchAttachesTheModelNextToTheVfioUserDevice() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        try (VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, 1)) {
            final CliRun.Result r = CliRun.run("bench", "--devmodel", "tcp:127.0.0.1:0", "-n", "50", "--warmup", "5",
                "--no-progress", VfioUserServers.scenario(dir, "vfio.yaml", sock, 1, true).toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            assertEquals(plugged(sock), r.err());
            // slot 6 holds the vfio-user function: the model takes the next free one
            assertTrue(r.out().contains("\n  00:07.0 -> domU (device model over tcp:127.0.0.1:"), r.out());
            assertEquals(1, srv.server.connections());
        }
    }

    @Test
    void aMissingServerFailsTheBenchWithExitOne() throws Exception {
        final Path sock = dir.resolve("none.sock");
        final CliRun.Result r = CliRun.run("bench", "-n", "10", "--warmup", "0",
            VfioUserServers.scenario(dir, "vfio.yaml", sock, 1, true).toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("irqsim bench: guests[0].vfioUser[0]: cannot connect to " + sock + ": No such file or directory\n",
            r.err());
    }
}
