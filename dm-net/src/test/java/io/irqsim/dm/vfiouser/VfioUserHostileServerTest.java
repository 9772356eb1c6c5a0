package io.irqsim.dm.vfiouser;

import io.irqsim.dm.vfiouser.VfioUserCodec.Header;
import io.irqsim.dm.vfiouser.VfioUserTestServer.Reply;
import io.irqsim.dm.vfiouser.VfioUserTestServer.Responder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile server (garbage, huge sizes, descriptors where none are expected, descriptor floods,
 * replies out of step, commands, hang-ups) gets a clean {@link IOException} naming the problem,
 * and the client leaks no descriptor: the process's open-descriptor count is the same after.
 */
class VfioUserHostileServerTest {

    @TempDir
    Path dir;

    private VfioUserTestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** A good VERSION reply, then {@code after} for every later command. */
    private static Responder afterVersion(final Responder after) {
        final TestPciDevice device = new TestPciDevice();
        return (h, p, fds) -> h.command() == VfioUser.CMD_VERSION ? device.handle(h, p, fds) : after.handle(h, p, fds);
    }

    private static byte[] header(final int id, final int cmd, final long size, final int flags) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putShort((short) id).putShort((short) cmd)
            .putInt((int) size).putInt(flags).putInt(0).array();
    }

    private static Reply reply(final Header h, final byte[] payload) {
        return Reply.of(VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, payload));
    }

    private static Reply withEventfds(final Reply r, final int n) throws IOException {
        final List<Eventfd> fds = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fds.add(Eventfd.create());
        }
        return new Reply(r.bytes(), fds.stream().mapToInt(Eventfd::fd).toArray(), false,
            () -> fds.forEach(Eventfd::close));
    }

    private IOException failure(final Responder responder, final int timeoutMillis) throws IOException {
        final Path sock = dir.resolve("hostile.sock");
        final long before = FdCount.open();
        server = VfioUserTestServer.start(sock, responder);
        final IOException e = assertThrows(IOException.class, () -> {
            try (VfioUserClient c = VfioUserClient.connect(sock, timeoutMillis)) {
                c.deviceInfo();
            }
        });
        server.close();
        server = null;
        assertNoLeak(before);
        return e;
    }

    @Test
    void sizeSmallerThanTheHeaderIsAProtocolError() throws Exception {
        final IOException e = failure((h, p, fds) -> Reply.of(header(h.msgId(), h.command(), 3, 1)), 0);
        assertTrue(e instanceof VfioUserProtocolException);
        assertEquals("message size 3 is smaller than its 16-byte header", e.getMessage());
    }

    @Test
    void hugeSizeIsRefusedWithoutReadingIt() throws Exception {
        final IOException e = failure((h, p, fds) -> Reply.of(header(h.msgId(), h.command(), 0xfffffff0L, 1)), 0);
        assertEquals("message size 4294967280 exceeds the limit of " + (16 + 16 + 1048576) + " bytes", e.getMessage());
    }

    @Test
    void descriptorsWithAReplyThatTakesNoneAreClosedAndRefused() throws Exception {
        final IOException e = failure(afterVersion((h, p, fds) ->
            withEventfds(reply(h, TestPciDeviceReplies.deviceInfo()), 3)), 0);
        assertEquals("server sent 3 file descriptor(s) with the DEVICE_GET_INFO reply, expected at most 0", e.getMessage());
    }

    @Test
    void aFloodOfDescriptorsIsCutByTheKernelAndRefused() throws Exception {
        final IOException e = failure(afterVersion((h, p, fds) ->
            withEventfds(reply(h, TestPciDeviceReplies.deviceInfo()), 40)), 0);
        assertEquals("peer sent more than 16 file descriptors in one message", e.getMessage());
    }

    @Test
    void regionInfoWithMoreDescriptorsThanTheClientOfferedIsRefused() throws Exception {
        final Path sock = dir.resolve("fds.sock");
        final long before = FdCount.open();
        server = VfioUserTestServer.start(sock, afterVersion((h, p, fds) -> {
            final byte[] info = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putInt(32).putInt(7).array();
            return withEventfds(reply(h, info), VfioUserClient.CLIENT_MAX_MSG_FDS + 1);
        }));
        final IOException e = assertThrows(IOException.class, () -> {
            try (VfioUserClient c = VfioUserClient.connect(sock, 0)) {
                c.regionInfo(0);
            }
        });
        server.close();
        server = null;
        assertEquals("server sent 9 file descriptor(s) with the DEVICE_GET_REGION_INFO reply, expected at most 8",
            e.getMessage());
        assertNoLeak(before);
    }

    @Test
    void aReplyToAnotherMessageIsAProtocolError() throws Exception {
        final IOException e = failure(afterVersion((h, p, fds) -> Reply.of(
            VfioUserCodec.message(h.msgId() + 1, h.command(), VfioUser.F_TYPE_REPLY, 0, TestPciDeviceReplies.deviceInfo()))), 0);
        assertEquals("reply is for message 2 (DEVICE_GET_INFO), expected 1 (DEVICE_GET_INFO)", e.getMessage());
    }

    @Test
    void aCommandFromTheServerIsRefusedAsNoDmaIsMapped() throws Exception {
        final IOException e = failure(afterVersion((h, p, fds) -> Reply.of(
            VfioUserCodec.message(9, VfioUser.CMD_DMA_READ, VfioUser.F_TYPE_COMMAND, 0, new byte[16]))), 0);
        assertEquals("server sent DMA_READ as a command; this client has mapped no DMA", e.getMessage());
    }

    @Test
    void hangingUpInTheMiddleOfAReplyIsAnEndOfStream() throws Exception {
        final IOException e = failure(afterVersion((h, p, fds) -> {
            final byte[] whole = VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0,
                TestPciDeviceReplies.deviceInfo());
            return new Reply(java.util.Arrays.copyOf(whole, 20), new int[0], true, null);
        }), 0);
        assertTrue(e instanceof EOFException);
        assertEquals("peer closed the connection in the middle of a message", e.getMessage());
    }

    @Test
    void aShortDeviceInfoIsAProtocolError() throws Exception {
        final IOException e = failure(afterVersion((h, p, fds) -> reply(h, new byte[8])), 0);
        assertEquals("DEVICE_GET_INFO reply is 8 bytes, needs at least 16", e.getMessage());
    }

    @Test
    void anErrorReplyToVersionFailsTheConnect() throws Exception {
        final IOException e = failure((h, p, fds) -> Reply.of(VfioUserCodec.message(h.msgId(), h.command(),
            VfioUser.F_TYPE_REPLY | VfioUser.F_ERROR, 95, new byte[0])), 0);
        assertEquals("server refused VERSION: ENOTSUP (95)", e.getMessage());
    }

    @Test
    void aSilentServerTimesOut() throws Exception {
        final IOException e = failure((h, p, fds) -> null, 50);
        assertEquals("timed out waiting for the peer", e.getMessage());
    }

    @Test
    void aRegionInfoThatKeepsGrowingItsArgszIsRefused() throws Exception {
        final int[] argsz = {64};
        final IOException e = assertThrows(IOException.class, () -> {
            final Path sock = dir.resolve("grow.sock");
            server = VfioUserTestServer.start(sock, afterVersion((h, p, fds) -> {
                final byte[] info = new byte[32];
                ByteBuffer.wrap(info).order(ByteOrder.LITTLE_ENDIAN).putInt(argsz[0]);
                argsz[0] += 32;
                return reply(h, info);
            }));
            try (VfioUserClient c = VfioUserClient.connect(sock, 0)) {
                c.regionInfo(0);
            }
        });
        assertEquals("region 0 info still did not fit in argsz 96", e.getMessage());
    }

    /** Well-formed payloads for the hostile scripts to misuse. */
    static final class TestPciDeviceReplies {
        private TestPciDeviceReplies() {
        }

        static byte[] deviceInfo() {
            return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(16).putInt(3).putInt(9).putInt(5).array();
        }
    }

    /**
     * The client closed every socket, eventfd and pipe it opened or was sent ({@link FdCount}). Another
     * thread of the test JVM may close one of its own meanwhile, so fewer is fine; more is a leak.
     */
    private static void assertNoLeak(final long before) throws IOException {
        final long after = FdCount.open();
        assertTrue(after <= before, "descriptors leaked: " + before + " open before, " + after + " after");
    }
}
