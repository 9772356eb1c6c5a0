package io.irqsim.dm.vfiouser;

import io.irqsim.dm.vfiouser.VfioUserCodec.Header;
import io.irqsim.dm.vfiouser.VfioUserTestServer.Reply;
import io.irqsim.hv.mem.GuestRam;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client's side of DMA against the test server: DMA_MAP without a descriptor (message access,
 * libvfio-user's {@code handle_dma_map}), the server's DMA_READ / DMA_WRITE served in libvfio-user's
 * layout ({@code struct vfio_user_dma_region_access}: addr u64, count u64, and the DMA_WRITE reply
 * the same 16 bytes, as {@code vfu_dma_transfer} checks it) while a command of the client's waits
 * for its reply, and every bad request refused with an errno while the connection goes on.
 */
class VfioUserDmaTest {

    private static final long RAM = 0x10_0000L;
    private static final long RAM_SIZE = 0x4000;
    private static final long RO = 0x20_0000L;

    @TempDir
    Path dir;

    private VfioUserTestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ByteBuffer le(final byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] access(final long addr, final long count, final int data) {
        return le(new byte[16 + data]).putLong(addr).putLong(count).array();
    }

    @Test
    void dmaWriteThenReadRoundTripsThroughGuestRamWhileTheClientsWriteWaits() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, pci);
        pci.dmaVia(server);
        final GuestRam ram = new GuestRam(RAM, RAM_SIZE);
        try (VfioUserClient c = VfioUserClient.connect(sock, 5_000)) {
            c.dmaMap(RAM, RAM_SIZE, true, true, DmaMemory.of(ram));
            assertEquals(List.of(RAM, RAM_SIZE, 3L, 0L), asList(pci.dmaMaps().get(0)),
                "read|write, no descriptor: message access");
            c.regionWriteValue(0, TestPciDevice.REG_DMA_ADDR, 8, RAM + 0xFF0);
            c.regionWriteValue(0, TestPciDevice.REG_DMA_LEN, 4, 0x20);
            // the server DMAs before it answers this write: the client serves both commands first
            c.regionWriteValue(0, TestPciDevice.REG_DMA_GO, 4, TestPciDevice.DMA_GO_SYNC);
            assertEquals(List.of(TestPciDevice.DMA_OK), pci.dmaStatuses());
            final byte[] got = new byte[0x20];
            ram.read(RAM + 0xFF0, got, 0, got.length);
            final byte[] want = new byte[0x20];
            for (int i = 0; i < want.length; i++) {
                want[i] = TestPciDevice.dmaPattern(i, 1);
            }
            assertArrayEquals(want, got);
            assertEquals(2, ram.pagesAllocated(), "the transfer crossed a page boundary");
            assertArrayEquals(new long[] {1, 1, 0}, c.dmaCounts());
        }
        assertEquals(1, pci.dmaUnmaps(), "close unmaps the window");
        assertTrue(pci.dmaMaps().isEmpty());
    }

    @Test
    void dmaOutsideTheWindowIsRefusedWithEfaultAndTheConnectionGoesOn() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, pci);
        pci.dmaVia(server);
        try (VfioUserClient c = VfioUserClient.connect(sock, 5_000)) {
            c.dmaMap(RAM, RAM_SIZE, true, true, DmaMemory.of(new GuestRam(RAM, RAM_SIZE)));
            c.regionWriteValue(0, TestPciDevice.REG_DMA_ADDR, 8, RAM + RAM_SIZE - 8);
            c.regionWriteValue(0, TestPciDevice.REG_DMA_LEN, 4, 16);
            c.regionWriteValue(0, TestPciDevice.REG_DMA_GO, 4, TestPciDevice.DMA_GO_SYNC);
            assertEquals(List.of(VfioUserDma.EFAULT << 8 | 3), pci.dmaStatuses());
            assertEquals(TestPciDevice.SUBSYSTEM, c.regionReadValue(VfioUser.REGION_CONFIG, 0x2e, 2));
            assertArrayEquals(new long[] {0, 0, 1}, c.dmaCounts());
        }
    }

    @Test
    void hostileDmaCommandsGetErrnoRepliesAndLeakNoDescriptor() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final List<Integer> errnos = new ArrayList<>();
        final VfioUserTestServer[] srv = new VfioUserTestServer[1];
        final int max = VfioUserClient.CLIENT_MAX_DATA_XFER;
        final long fdsBefore = FdCount.open();
        server = srv[0] = VfioUserTestServer.start(dir.resolve("dev.sock"), (h, p, fds) -> {
            if (h.command() != VfioUser.CMD_DEVICE_GET_INFO) {
                return pci.handle(h, p, fds);
            }
            // before answering, a volley of bad DMA commands
            final VfioUserTestServer s = srv[0];
            errnos.add(errno(s, VfioUser.CMD_DMA_READ, access(RAM, 1L << 63, 0)));         // huge count
            errnos.add(errno(s, VfioUser.CMD_DMA_READ, access(RAM, -1L, 0)));              // 2^64 - 1
            errnos.add(errno(s, VfioUser.CMD_DMA_READ, access(RAM, max + 1L, 0)));          // past max_data_xfer_size
            errnos.add(errno(s, VfioUser.CMD_DMA_READ, access(0, 16, 0)));                  // no window there
            errnos.add(errno(s, VfioUser.CMD_DMA_READ, access(-16L, 32, 0)));               // wraps past 2^64
            errnos.add(errno(s, VfioUser.CMD_DMA_READ, access(RAM + RAM_SIZE - 8, 16, 0))); // straddles the end
            errnos.add(errno(s, VfioUser.CMD_DMA_WRITE, access(RAM, 16, 8)));               // 8 data bytes for 16
            errnos.add(errno(s, VfioUser.CMD_DMA_READ, access(RAM, 16, 4)));                // a read with data
            errnos.add(errno(s, VfioUser.CMD_DMA_READ, new byte[8]));                       // short
            errnos.add(errno(s, VfioUser.CMD_DMA_WRITE, access(RO, 4, 4)));                 // read-only window
            errnos.add(errno(s, VfioUser.CMD_DEVICE_RESET, new byte[0]));                   // not a server command
            final Eventfd stray = Eventfd.create();
            try {
                errnos.add(errnoWithFd(s, access(RAM, 16, 0), stray.fd()));                 // a descriptor with it
            } finally {
                stray.close();
            }
            return pci.handle(h, p, fds);
        });
        try (VfioUserClient c = VfioUserClient.connect(dir.resolve("dev.sock"), 5_000)) {
            c.dmaMap(RAM, RAM_SIZE, true, true, DmaMemory.of(new GuestRam(RAM, RAM_SIZE)));
            c.dmaMap(RO, 0x1000, true, false, DmaMemory.of(new GuestRam(RO, 0x1000)));
            assertEquals(TestPciDevice.NUM_REGIONS, c.deviceInfo().numRegions());
            assertEquals(List.of(22, 22, 22, 14, 14, 14, 22, 22, 22, 1, 95, 22), errnos);
            assertArrayEquals(new long[] {0, 0, 12}, c.dmaCounts());
            c.deviceInfo();     // still in step
        }
        assertNoLeak(fdsBefore);
    }

    /** A VERSION reply naming {@code maxXfer} as the server's max_data_xfer_size (and one descriptor per message). */
    private static Reply versionWithLimits(final Header h, final int maxFds, final int maxXfer) {
        final byte[] json = ("{\"capabilities\":{\"max_msg_fds\":" + maxFds + ",\"max_data_xfer_size\":" + maxXfer
            + "}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final ByteBuffer out = le(new byte[4 + json.length + 1]);
        out.putShort((short) 0).putShort((short) 2).put(json).put((byte) 0);
        return Reply.of(VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, out.array()));
    }

    // docs/interop/vfio-user.rst: max_data_xfer_size is the most a peer takes in one message, so the
    // server's DMA is bounded by what the client offered (libvfio-user's vfu_dma_transfer chunks by the
    // client's value), not by the server's own, smaller limit
    @Test
    void theServersDmaIsBoundedByTheClientsOfferNotItsOwnLimit() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final List<Integer> errnos = new ArrayList<>();
        final VfioUserTestServer[] srv = new VfioUserTestServer[1];
        server = srv[0] = VfioUserTestServer.start(dir.resolve("dev.sock"), (h, p, fds) -> {
            if (h.command() == VfioUser.CMD_VERSION) {
                return versionWithLimits(h, 8, 4096);
            }
            if (h.command() == VfioUser.CMD_DEVICE_GET_INFO) {
                errnos.add(errno(srv[0], VfioUser.CMD_DMA_READ, access(RAM, 8192, 0)));
                errnos.add(errno(srv[0], VfioUser.CMD_DMA_READ,
                    access(RAM, VfioUserClient.CLIENT_MAX_DATA_XFER + 1L, 0)));
            }
            return pci.handle(h, p, fds);
        });
        try (VfioUserClient c = VfioUserClient.connect(dir.resolve("dev.sock"), 5_000)) {
            assertEquals(4096, c.version().maxDataXferSize());
            c.dmaMap(RAM, RAM_SIZE, true, true, DmaMemory.of(new GuestRam(RAM, RAM_SIZE)));
            c.deviceInfo();
            assertEquals(List.of(0, 22), errnos, "8 KiB served; past the client's own 1 MiB, EINVAL");
        }
    }

    // max_msg_fds is the most descriptors the server receives in one message: a SET_IRQS with more
    // eventfds goes out in pieces, each with its own start, as QEMU's vfio_user_device_io_set_irqs sends them
    @Test
    void eventfdsAreSentInMessagesOfAtMostTheServersMaxMsgFds() throws Exception {
        final List<String> setIrqs = new ArrayList<>();
        server = VfioUserTestServer.start(dir.resolve("dev.sock"), (h, p, fds) -> {
            if (h.command() == VfioUser.CMD_VERSION) {
                return versionWithLimits(h, 2, 4096);
            }
            final ByteBuffer b = le(p);
            setIrqs.add("index " + b.getInt(8) + " start " + b.getInt(12) + " count " + b.getInt(16) + " fds "
                + fds.length);
            return Reply.of(VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, new byte[0]));
        });
        try (VfioUserClient c = VfioUserClient.connect(dir.resolve("dev.sock"), 5_000);
             Eventfd a = Eventfd.create(); Eventfd b = Eventfd.create(); Eventfd d = Eventfd.create()) {
            c.setIrqEventfds(VfioUser.IRQ_MSIX, 4, a, b, d);
            assertEquals(List.of("index 2 start 4 count 2 fds 2", "index 2 start 6 count 1 fds 1"), setIrqs);
        }
    }

    @Test
    void aServerTakingNoDescriptorsCannotBeGivenEventfds() throws Exception {
        server = VfioUserTestServer.start(dir.resolve("dev.sock"), (h, p, fds) -> versionWithLimits(h, 0, 4096));
        try (VfioUserClient c = VfioUserClient.connect(dir.resolve("dev.sock"), 5_000); Eventfd a = Eventfd.create()) {
            final IOException e = assertThrows(IOException.class, () -> c.setIrqEventfds(VfioUser.IRQ_INTX, 0, a));
            assertTrue(e.getMessage().contains("max_msg_fds 0"), e.getMessage());
        }
    }

    @Test
    void aServerCommandLargerThanTheLimitIsAProtocolError() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserTestServer[] srv = new VfioUserTestServer[1];
        final long fdsBefore = FdCount.open();
        server = srv[0] = VfioUserTestServer.start(dir.resolve("dev.sock"), (h, p, fds) -> {
            if (h.command() == VfioUser.CMD_DEVICE_GET_INFO) {
                srv[0].sendRaw(le(new byte[16]).putShort((short) 1).putShort((short) VfioUser.CMD_DMA_WRITE)
                    .putInt(Integer.MAX_VALUE).putInt(0).putInt(0).array());
                return null;
            }
            return pci.handle(h, p, fds);
        });
        try (VfioUserClient c = VfioUserClient.connect(dir.resolve("dev.sock"), 5_000)) {
            c.dmaMap(RAM, RAM_SIZE, true, true, DmaMemory.of(new GuestRam(RAM, RAM_SIZE)));
            final IOException e = assertThrows(VfioUserProtocolException.class, c::deviceInfo);
            assertTrue(e.getMessage().startsWith("message size 2147483647 exceeds the limit"), e.getMessage());
        }
        assertNoLeak(fdsBefore);
    }

    @Test
    void commandsBetweenTheClientsOwnAreServedByServeCommands() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final Path sock = dir.resolve("dev.sock");
        server = VfioUserTestServer.start(sock, pci);
        pci.dmaVia(server);
        final GuestRam ram = new GuestRam(RAM, RAM_SIZE);
        try (VfioUserClient c = VfioUserClient.connect(sock, 5_000); Eventfd intx = Eventfd.create()) {
            c.setIrqEventfds(VfioUser.IRQ_INTX, 0, intx);
            c.dmaMap(RAM, RAM_SIZE, true, true, DmaMemory.of(ram));
            c.regionWriteValue(0, TestPciDevice.REG_DMA_ADDR, 8, RAM);
            c.regionWriteValue(0, TestPciDevice.REG_DMA_LEN, 4, 64);
            // answered first; the server DMAs after, then raises INTx: the client is between commands
            c.regionWriteValue(0, TestPciDevice.REG_DMA_GO, 4, TestPciDevice.DMA_GO_THEN_IRQ);
            int served = 0;
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (served < 2 && System.nanoTime() - deadline < 0) {
                served += c.serveCommands(100);
            }
            assertEquals(2, served, "DMA_WRITE and DMA_READ, both after the reply");
            assertEquals(1, intx.await(5_000));
            assertEquals(List.of(TestPciDevice.DMA_OK), pci.dmaStatuses());
            final byte[] one = new byte[1];
            ram.read(RAM + 63, one, 0, 1);
            assertEquals(TestPciDevice.dmaPattern(63, 1), one[0]);
        }
    }

    @Test
    void withTwinSocketTheServersDmaComesOnItsOwnSocketDuringAPendingReplyAndBetweenCommands() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final Path sock = dir.resolve("dev.sock");
        final long fdsBefore = FdCount.open();
        server = VfioUserTestServer.startTwin(sock, pci);
        pci.dmaVia(server);
        final GuestRam ram = new GuestRam(RAM, RAM_SIZE);
        try (VfioUserClient c = VfioUserClient.connect(sock, 5_000); Eventfd intx = Eventfd.create()) {
            assertTrue(c.hasCommandSocket());
            c.setIrqEventfds(VfioUser.IRQ_INTX, 0, intx);
            c.dmaMap(RAM, RAM_SIZE, true, true, DmaMemory.of(ram));
            c.regionWriteValue(0, TestPciDevice.REG_DMA_ADDR, 8, RAM + 0x100);
            c.regionWriteValue(0, TestPciDevice.REG_DMA_LEN, 4, 16);
            // the server DMAs over the command socket while this write waits on the main one
            c.regionWriteValue(0, TestPciDevice.REG_DMA_GO, 4, TestPciDevice.DMA_GO_SYNC);
            assertTrue(server.hasCommandSocket());
            // then after its reply, followed by INTx (its first command may already be served inside
            // the write's call, the reply and the command arriving together)
            c.regionWriteValue(0, TestPciDevice.REG_DMA_GO, 4, TestPciDevice.DMA_GO_THEN_IRQ);
            // (the device's own state is locked while its DMA is in flight: watch the client's counts)
            final long deadline = System.nanoTime() + 5_000_000_000L;
            while (c.dmaCounts()[0] < 2 && System.nanoTime() - deadline < 0) {
                c.serveCommands(100);
            }
            assertEquals(1, intx.await(5_000));
            assertEquals(List.of(TestPciDevice.DMA_OK, TestPciDevice.DMA_OK), pci.dmaStatuses());
            final byte[] one = new byte[1];
            ram.read(RAM + 0x10F, one, 0, 1);
            assertEquals(TestPciDevice.dmaPattern(15, 2), one[0]);
            assertArrayEquals(new long[] {2, 2, 0}, c.dmaCounts());
        }
        assertEquals(1, pci.dmaUnmaps());
        assertNoLeak(fdsBefore);
    }

    // the twin socket takes what the main one takes: a server command, once DMA is mapped
    // (docs/interop/vfio-user.rst, VFIO_USER_DMA_MAP: sent "before the server can perform any DMA")
    @Test
    void onTheTwinSocketACommandBeforeAnyDmaMapIsAProtocolError() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserTestServer[] srv = new VfioUserTestServer[1];
        server = srv[0] = VfioUserTestServer.startTwin(dir.resolve("dev.sock"), (h, p, fds) -> {
            if (h.command() == VfioUser.CMD_DEVICE_GET_INFO) {
                try {
                    srv[0].call(VfioUser.CMD_DMA_READ, access(RAM, 16, 0));
                } catch (final IOException e) {
                    // the client refused it and hung up, or answered with an errno
                }
            }
            return pci.handle(h, p, fds);
        });
        try (VfioUserClient c = VfioUserClient.connect(dir.resolve("dev.sock"), 5_000)) {
            assertTrue(c.hasCommandSocket());
            final IOException e = assertThrows(VfioUserProtocolException.class, c::deviceInfo);
            assertEquals("server sent DMA_READ as a command; this client has mapped no DMA", e.getMessage());
        }
    }

    @Test
    void aReplyNobodyAskedForIsAProtocolError() throws Exception {
        final TestPciDevice pci = new TestPciDevice();
        final VfioUserTestServer[] srv = new VfioUserTestServer[1];
        server = srv[0] = VfioUserTestServer.start(dir.resolve("dev.sock"), (h, p, fds) -> {
            final Reply r = pci.handle(h, p, fds);
            if (h.command() != VfioUser.CMD_DMA_MAP) {
                return r;
            }
            return new Reply(r.bytes(), r.fds(), false, () -> {
                try {
                    srv[0].sendRaw(VfioUserCodec.message(7, VfioUser.CMD_DMA_READ, VfioUser.F_TYPE_REPLY, 0,
                        new byte[0]));
                } catch (final IOException e) {
                    throw new IllegalStateException(e);
                }
            });
        });
        try (VfioUserClient c = VfioUserClient.connect(dir.resolve("dev.sock"), 5_000)) {
            c.dmaMap(RAM, RAM_SIZE, true, true, DmaMemory.of(new GuestRam(RAM, RAM_SIZE)));
            final IOException e = assertThrows(VfioUserProtocolException.class, () -> c.serveCommands(5_000));
            assertEquals("server sent DMA_READ as a reply while no command was pending", e.getMessage());
        }
    }

    /**
     * Closes the server (its copy of the connection too), then: no more sockets, eventfds, pipes
     * or memfds than before it started ({@link FdCount}; other threads may close some, so fewer is fine).
     */
    private void assertNoLeak(final long before) throws IOException {
        server.close();
        server = null;
        final long after = FdCount.open();
        assertTrue(after <= before, "descriptors leaked: " + before + " open before, " + after + " after");
    }

    private static int errno(final VfioUserTestServer s, final int cmd, final byte[] payload) throws IOException {
        try {
            s.call(cmd, payload);
            return 0;
        } catch (final VfioUserTestServer.ClientError e) {
            return e.errno();
        }
    }

    private static int errnoWithFd(final VfioUserTestServer s, final byte[] payload, final int fd) throws IOException {
        try {
            s.call(VfioUser.CMD_DMA_READ, payload, VfioUser.F_TYPE_COMMAND, fd);
            return 0;
        } catch (final VfioUserTestServer.ClientError e) {
            return e.errno();
        }
    }

    private static List<Long> asList(final long[] a) {
        final List<Long> l = new ArrayList<>();
        for (final long v : a) {
            l.add(v);
        }
        return l;
    }

}
