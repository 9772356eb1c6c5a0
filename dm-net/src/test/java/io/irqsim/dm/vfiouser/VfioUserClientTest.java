package io.irqsim.dm.vfiouser;

import io.irqsim.dm.vfiouser.VfioUserCodec.RegionInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The client against the repository's test server: the whole flow a VMM needs for config space, a BAR and INTx. */
class VfioUserClientTest {

    @TempDir
    Path dir;

    private VfioUserTestServer server;
    private final TestPciDevice device = new TestPciDevice();

    private VfioUserClient connect() throws IOException {
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, device);
        return VfioUserClient.connect(sock, 0);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static int le32(final byte[] b, final int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
    }

    @Test
    void versionNegotiatesTwoAndTakesTheServersLimits() throws Exception {
        try (VfioUserClient c = connect()) {
            assertEquals(new VfioUserCodec.Version(0, 2, 8, 1048576), c.version());
            assertEquals(new VfioUserCodec.DeviceInfo(3, 9, 5), c.deviceInfo());
        }
    }

    @Test
    void regionInfoAsksAgainWithTheServersArgszToGetTheCapabilities() throws Exception {
        try (VfioUserClient c = connect()) {
            final long fdsBefore = FdCount.open();
            final RegionInfo bar0 = c.regionInfo(0);
            assertEquals(64, bar0.argsz());
            assertEquals(0x1000, bar0.size());
            assertEquals(VfioUser.REGION_FLAG_READ | VfioUser.REGION_FLAG_WRITE | VfioUser.REGION_FLAG_MMAP
                | VfioUser.REGION_FLAG_CAPS, bar0.flags());
            assertEquals("sparse mmap, 1 area(s): 0x0+0x1000", bar0.caps().get(0).text());
            // the area's descriptor came with the reply and was closed: this client maps nothing
            // (one more round trip first: the server, in this process, closes its copy after sending)
            c.deviceInfo();
            assertEquals(fdsBefore, FdCount.open());
            assertEquals(256, c.regionInfo(VfioUser.REGION_CONFIG).size());
            assertEquals(TestPciDevice.IO_SIZE, c.regionInfo(TestPciDevice.IO_BAR).size());
            assertEquals(0, c.regionInfo(2).size());
        }
    }

    @Test
    void configSpaceHoldsIdsAndBarSizingReadsBackTheSizeMask() throws Exception {
        try (VfioUserClient c = connect()) {
            final byte[] cfg = c.regionRead(VfioUser.REGION_CONFIG, 0, 64);
            assertEquals(0x4952, le32(cfg, 0) & 0xffff);
            assertEquals(0x5153, le32(cfg, 0) >>> 16);
            assertEquals(1, cfg[0x3d]);
            c.regionWrite(VfioUser.REGION_CONFIG, 0x10, new byte[] {-1, -1, -1, -1});
            assertEquals(0xfffff000, le32(c.regionRead(VfioUser.REGION_CONFIG, 0x10, 4), 0));
        }
    }

    @Test
    void intxEventfdIsAssertedOnceThenAutomaskedUntilUnmask() throws Exception {
        try (VfioUserClient c = connect(); Eventfd intx = Eventfd.create()) {
            c.setIrqEventfds(VfioUser.IRQ_INTX, 0, intx);
            c.regionWrite(VfioUser.REGION_BAR0, 0x0c, new byte[] {1, 0, 0, 0});
            assertEquals(1, intx.await());
            c.regionWrite(VfioUser.REGION_BAR0, 0x0c, new byte[] {1, 0, 0, 0});
            assertEquals(1, device.intxRaised());           // masked: the second write raised nothing
            c.unmaskIrq(VfioUser.IRQ_INTX, 0, 1);     // still pending (not ACKed): fires again at once
            assertEquals(1, intx.await());
            assertEquals(2, device.intxRaised());
            c.regionWrite(VfioUser.REGION_BAR0, 0x08, new byte[] {1, 0, 0, 0});   // ACK
            assertEquals(0, le32(c.regionRead(VfioUser.REGION_BAR0, 0x04, 4), 0));
            c.unmaskIrq(VfioUser.IRQ_INTX, 0, 1);
            assertEquals(2, device.intxRaised());
        }
    }

    @Test
    void errorReplyNamesTheErrnoAndKeepsTheConnection() throws Exception {
        try (VfioUserClient c = connect()) {
            final VfioUserErrorReply e = assertThrows(VfioUserErrorReply.class, () -> c.regionRead(3, 0, 4));
            assertEquals(22, e.errno());
            assertEquals("server refused REGION_READ: EINVAL (22)", e.getMessage());
            assertEquals(9, c.deviceInfo().numRegions());
        }
    }

    @Test
    void resetRestoresTheDevice() throws Exception {
        try (VfioUserClient c = connect()) {
            c.regionWrite(VfioUser.REGION_CONFIG, 0x3c, new byte[] {11});
            c.reset();
            assertEquals(1, device.resets());
            assertArrayEquals(new byte[] {0}, c.regionRead(VfioUser.REGION_CONFIG, 0x3c, 1));
        }
    }

    @Test
    void setIrqsWithMoreEventfdsThanVectorsIsRefused() throws Exception {
        try (VfioUserClient c = connect(); Eventfd a = Eventfd.create(); Eventfd b = Eventfd.create()) {
            final VfioUserErrorReply e = assertThrows(VfioUserErrorReply.class,
                () -> c.setIrqEventfds(VfioUser.IRQ_INTX, 0, a, b));
            assertEquals(22, e.errno());
        }
    }

    @Test
    void serverRefusesEventfdsSplitFromTheirMessage() throws Exception {
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, device);
        try (UnixFdSocket raw = UnixFdSocket.connect(sock); Eventfd intx = Eventfd.create()) {
            final byte[] msg = VfioUserCodec.message(7, VfioUser.CMD_DEVICE_SET_IRQS, 0, 0,
                VfioUserCodec.setIrqsPayload(VfioUser.IRQ_SET_DATA_EVENTFD | VfioUser.IRQ_SET_ACTION_TRIGGER, 0, 0, 1));
            raw.sendSplit(msg, msg.length, VfioUser.HEADER_SIZE, intx.fd());
            final byte[] head = new byte[16];
            raw.receiveFully(head, 0, 16, (at, fd) -> UnixFdSocket.closeFd(fd));
            final VfioUserCodec.Header h = VfioUserCodec.decodeHeader(head, 16);
            assertEquals(new VfioUserCodec.Header(7, VfioUser.CMD_DEVICE_SET_IRQS, 16,
                VfioUser.F_TYPE_REPLY | VfioUser.F_ERROR, 22), h);
            assertEquals(0, raw.receive(new byte[1], 0, 1, fd -> UnixFdSocket.closeFd(fd)));  // dropped
            assertEquals(1, server.splitFdsRefused());
        }
    }

    @Test
    void missingSocketAndRefusedConnectionAreTold() throws Exception {
        final Path missing = dir.resolve("none.sock");
        final UnixFdSocket.ConnectFailed e = assertThrows(UnixFdSocket.ConnectFailed.class,
            () -> VfioUserClient.connect(missing, 1000));
        assertEquals(LibC.ENOENT, e.errno());
        final Path stale = dir.resolve("stale.sock");
        UnixListener.bind(stale).close();           // the file stays, nobody listens
        final UnixFdSocket.ConnectFailed r = assertThrows(UnixFdSocket.ConnectFailed.class,
            () -> VfioUserClient.connect(stale, 1000));
        assertEquals(LibC.ECONNREFUSED, r.errno());
    }
}
