package io.irqsim.dm.vfiouser;

import io.irqsim.guest.linux.PciIrqMode;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.scenario.ScenarioLoader;
import io.irqsim.guest.strategy.Strategies;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The plug tests' rig: a test server on a socket, an in-process machine booted from a scenario,
 * and the server's device plugged into its guest {@code domU} at slot 6, as {@code irqsim run}
 * does for a {@code guests[].vfioUser} entry. Closing it closes the device (and its client), then
 * the server.
 */
final class PluggedDevice implements AutoCloseable {

    /** A guest without {@code XENFEAT_hvm_pirqs} (Xen 4.20's default), for the native MSI path. */
    static final String NO_PIRQS = "guests: [{name: domU, hvmPirq: false}]\n";

    VfioUserTestServer server;
    ScenarioMachine machine;
    VfioUserGuestDevice device;

    /**
     * @param sock where the server listens
     * @param started the server, already listening on {@code sock}
     * @param guestYaml the scenario's text, or {@code null} for the default scenario
     * @param mode what the guest's driver asks for
     * @return the plugged device
     * @throws IOException if the plug fails
     */
    VfioUserGuestDevice plug(final Path sock, final VfioUserTestServer started, final String guestYaml,
                             final PciIrqMode mode) throws IOException {
        server = started;
        final Scenario scenario = guestYaml == null ? Scenario.defaultScenario()
            : ScenarioLoader.parse(guestYaml, "plug.yaml", Strategies.names());
        machine = ScenarioMachine.boot(scenario, Strategies.byName(Scenario.DEFAULT_STRATEGY));
        device = VfioUserGuestDevice.plug(machine, "domU", VfioUserClient.connect(sock, 5_000), sock.toString(), 6,
            mode);
        return device;
    }

    @Override
    public void close() {
        if (device != null) {
            device.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
