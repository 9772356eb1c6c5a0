package io.irqsim.dm.vfiouser;

import io.irqsim.dm.ListenAddress;
import io.irqsim.dm.net.client.DeviceModelClient;
import io.irqsim.dm.net.proto.Msg;
import io.irqsim.dm.net.server.DmServer;
import io.irqsim.dm.net.server.DmServerConfig;
import io.irqsim.guest.device.NicTestDevice;
import io.irqsim.guest.run.ScenarioMachine;
import io.irqsim.guest.scenario.Scenario;
import io.irqsim.guest.strategy.Strategies;
import io.irqsim.hv.domain.Vcpu;
import io.irqsim.hw.pci.Bdf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A vfio-user device (the repository's test server) plugged into the default scenario's HVM guest
 * through the bridge: the guest probes it, reads its BAR through REGION_READ, rings its doorbell
 * through REGION_WRITE; the server's INTx eventfd asserts the guest's INTx, the guest's driver
 * handles it and EOIs, and the bridge deasserts and unmasks (QEMU's vfio_intx_eoi order).
 */
class VfioUserBridgeTest {

    private static final String DOMAIN = "domU";
    private static final int SLOT = 6;

    @TempDir
    Path dir;

    private DmServer dmServer;
    private VfioUserTestServer vfioServer;
    private DeviceModelClient dm;
    private VfioUserClient vfio;
    private VfioUserBridge bridge;

    @AfterEach
    void stop() {
        if (bridge != null) {
            bridge.close();
        }
        if (dm != null) {
            dm.close();
        }
        if (vfio != null) {
            vfio.close();
        }
        if (vfioServer != null) {
            vfioServer.close();
        }
        if (dmServer != null) {
            dmServer.close();
        }
    }

    private Vcpu vcpu() {
        return dmServer.call(s -> s.machine().guest(DOMAIN).domain().vcpu(0));
    }

    private long guestRead(final long gpa) throws Exception {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        final Vcpu v = vcpu();
        dmServer.loop().execute(() -> v.mmioReadAsync(gpa, 4, f::complete));
        return f.get(20, TimeUnit.SECONDS);
    }

    private void guestWrite(final long gpa, final long value) throws Exception {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        final Vcpu v = vcpu();
        dmServer.loop().execute(() -> v.mmioWriteAsync(gpa, 4, value, f::complete));
        f.get(20, TimeUnit.SECONDS);
    }

    private long handled() {
        return dmServer.call(s -> s.machine().guest(DOMAIN).driver(new Bdf(0, SLOT, 0)).handled());
    }

    @Test
    void serverIntxReachesTheGuestDriverAndEoiUnmasksIt() throws Exception {
        final TestPciDevice device = new TestPciDevice();
        final Path sock = dir.resolve("dev.sock");
        vfioServer = VfioUserTestServer.start(sock, device);
        dmServer = DmServer.start(() -> ScenarioMachine.boot(Scenario.defaultScenario(),
            Strategies.byName(Scenario.DEFAULT_STRATEGY)), DmServerConfig.DEFAULT,
            List.of(ListenAddress.parse("tcp:127.0.0.1:0")), line -> { });
        dm = DeviceModelClient.connect(dmServer.addresses().get(0));
        vfio = VfioUserClient.connect(sock, 0);
        bridge = VfioUserBridge.plug(dm, vfio, DOMAIN, SLOT).get(30, TimeUnit.SECONDS);

        final Msg.RegisterPci f = bridge.function();
        assertEquals(new Msg.RegisterPci(SLOT, 0, 1, TestPciDevice.VENDOR, TestPciDevice.DEVICE, TestPciDevice.CLASS_CODE,
            List.of(0x1000L, 0L, 0L, 0L, 0L, 0L)), f);
        final long bar0 = bridge.pci().barAddresses().get(0);
        assertEquals(NicTestDevice.ID & 0xffffffffL, guestRead(bar0 + NicTestDevice.REG_ID));   // REGION_READ

        guestWrite(bar0 + NicTestDevice.REG_DOORBELL, 1);                                     // REGION_WRITE
        assertEquals(1, bridge.awaitEois(1).get(20, TimeUnit.SECONDS));
        assertEquals(1, handled());
        assertEquals(1, device.intxRaised());
        assertFalse(device.intxMasked(), "the bridge unmasked INTx after the guest's EOI");
        assertEquals(0, guestRead(bar0 + NicTestDevice.REG_STATUS), "the driver ACKed through the bridge");

        guestWrite(bar0 + NicTestDevice.REG_DOORBELL, 1);
        assertEquals(2, bridge.awaitEois(2).get(20, TimeUnit.SECONDS));
        assertEquals(2, handled());
        assertArrayEquals(new long[] {2, 2, 0}, bridge.counters().get(20, TimeUnit.SECONDS));
    }
}
