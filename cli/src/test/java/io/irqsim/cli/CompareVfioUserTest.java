package io.irqsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.irqsim.dm.vfiouser.TestPciDevice;
import io.irqsim.dm.vfiouser.VfioUser;
import io.irqsim.dm.vfiouser.VfioUserTestServer;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.guest.strategy.Strategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code irqsim compare} with a scenario's {@code guests[].vfioUser} entry: every design runs
 * against the same server, each on a connection of its own (as each QEMU process of its own
 * would connect), and the devices get a table of their own under the matrix.
 */
class CompareVfioUserTest {

    @TempDir
    Path dir;

    @Test
    void everyDesignPlugsTheDeviceOnAFreshConnectionAndTheGuestEoisItsInterrupt() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        final List<Strategy> designs = Strategies.all();
        try (VfioUserServers.Raising srv = new VfioUserServers.Raising(sock, 1)) {
            final Path file = VfioUserServers.scenario(dir, "vfio.yaml", sock, 1, false);
            final CliRun.Result r = CliRun.run("compare", file.toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            assertEquals(designs.size(), srv.server.connections());
            assertEquals(designs.size(), srv.unmasks.get());
            // each design's plug reset the device first: every run starts from the same device
            assertEquals(designs.size(), srv.device.resets());
            final String table = r.out().substring(r.out().indexOf("vfio-user devices (guests[].vfioUser; a fresh"
                + " connection to the server per design):\n"));
            for (final Strategy s : designs) {
                assertTrue(table.lines().anyMatch(l -> l.startsWith(String.format("%-24s guests[0].vfioUser[0]  "
                    + "domU     00:06.0    40        1     1/1       1  ok", s.name()))), s.name() + "\n" + table);
            }
            final CliRun.Result j = CliRun.run("compare", "--json", file.toString());
            assertEquals(0, j.exit(), j.out() + j.err());
            final JsonNode rows = new ObjectMapper().readTree(j.out()).get("vfioUser");
            assertEquals(designs.size(), rows.size(), j.out());
            for (int i = 0; i < designs.size(); i++) {
                final JsonNode row = rows.get(i);
                assertEquals(designs.get(i).name(), row.get("strategy").asText());
                assertEquals("00:06.0", row.get("function").asText());
                assertEquals(1, row.get("eoid").asLong());
                assertEquals(1, row.get("handled").asLong());
                assertTrue(row.get("ok").asBoolean(), row.toString());
            }
        }
    }

    @Test
    void aServerThatServesOneClientCannotBeComparedExitOne() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        final TestPciDevice device = new TestPciDevice();
        final AtomicInteger versions = new AtomicInteger();
        // as libvfio-user's sample serves one client and exits: the second connection gets nothing
        try (VfioUserTestServer server = VfioUserTestServer.start(sock, (h, p, fds) ->
            h.command() == VfioUser.CMD_VERSION && versions.incrementAndGet() > 1
                ? new VfioUserTestServer.Reply(new byte[0], new int[0], true, null) : device.handle(h, p, fds))) {
            final CliRun.Result r = CliRun.run("compare", VfioUserServers.scenario(dir, "vfio.yaml", sock, 0, false)
                .toString());
            assertEquals(1, r.exit(), r.out() + r.err());
            final String second = Strategies.all().get(1).name();
            assertTrue(r.err().startsWith("irqsim compare: design " + second + ": guests[0].vfioUser[0]: " + sock + ": "),
                r.err());
            assertTrue(r.err().endsWith("(compare connects to each vfio-user server once per design, "
                + Strategies.all().size() + " in all: a server that serves one client and exits, as libvfio-user's"
                + " sample does, cannot be compared)\n"), r.err());
            assertEquals("", r.out());
        }
    }
}
