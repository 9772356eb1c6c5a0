package io.irqsim.dm.vfiouser;

import io.irqsim.dm.vfiouser.VfioUserCodec.Header;
import io.irqsim.dm.vfiouser.VfioUserCodec.RegionInfo;
import io.irqsim.dm.vfiouser.VfioUserCodec.Version;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte layouts written out by hand from the vfio-user spec (QEMU docs/interop/vfio-user.rst,
 * "Header", "VFIO_USER_VERSION", "VFIO_USER_DEVICE_GET_REGION_INFO", ...) and linux/vfio.h's
 * structs, little-endian.
 */
class VfioUserCodecTest {

    private static byte[] bytes(final int... v) {
        final byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static byte[] concat(final byte[]... parts) {
        int n = 0;
        for (final byte[] p : parts) {
            n += p.length;
        }
        final byte[] out = new byte[n];
        int at = 0;
        for (final byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void headerIsMsgIdCmdSizeFlagsErrnoLittleEndian() throws Exception {
        final Header h = VfioUserCodec.decodeHeader(bytes(0x34, 0x12, 0x05, 0, 0x30, 0, 0, 0, 0x21, 0, 0, 0, 0x16, 0, 0, 0), 64);
        assertEquals(new Header(0x1234, 5, 48, 0x21, 22), h);
        assertEquals(VfioUser.F_TYPE_REPLY, h.type());
        assertTrue(h.isError());
    }

    @Test
    void messageSizeCountsTheHeader() {
        final byte[] m = VfioUserCodec.message(0x0102, VfioUser.CMD_DEVICE_RESET, 0, 0, bytes(0xaa, 0xbb));
        assertArrayEquals(bytes(0x02, 0x01, 0x0d, 0, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb), m);
    }

    @Test
    void sizeBelowTheHeaderIsRefused() {
        final var e = assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeHeader(bytes(0, 0, 1, 0, 15, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0), 64));
        assertEquals("message size 15 is smaller than its 16-byte header", e.getMessage());
    }

    @Test
    void sizeAboveTheLimitIsRefusedBeforeAnyAllocation() {
        final var e = assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeHeader(bytes(0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0, 0, 0, 0), 4096));
        assertEquals("message size 4294967295 exceeds the limit of 4096 bytes", e.getMessage());
    }

    @Test
    void versionRequestIsMajorMinorThenNulTerminatedCapabilities() {
        final byte[] json = "{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576}}"
            .getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(concat(bytes(0, 0, 2, 0), json, bytes(0)), VfioUserCodec.versionPayload(8, 1048576));
    }

    @Test
    void versionRequestOffersTwinSocketAsLibvfioUserReadsIt() {
        final byte[] json = ("{\"capabilities\":{\"max_msg_fds\":8,\"max_data_xfer_size\":1048576,"
            + "\"twin_socket\":{\"supported\":true}}}").getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(concat(bytes(0, 0, 2, 0), json, bytes(0)), VfioUserCodec.versionPayload(8, 1048576, true));
    }

    private static byte[] versionReply(final String caps) {
        return concat(bytes(0, 0, 2, 0), ("{\"capabilities\":" + caps + "}").getBytes(StandardCharsets.UTF_8), bytes(0));
    }

    @Test
    void twinSocketIsTheDescriptorAtFdIndexWhenTheServerSupportsIt() throws Exception {
        assertEquals(-1, VfioUserCodec.decodeTwinSocket(bytes(0, 0, 2, 0), 0));
        assertEquals(-1, VfioUserCodec.decodeTwinSocket(versionReply("{\"max_msg_fds\":8}"), 1));
        assertEquals(-1, VfioUserCodec.decodeTwinSocket(versionReply("{\"twin_socket\":{\"supported\":false}}"), 1));
        assertEquals(0, VfioUserCodec.decodeTwinSocket(
            versionReply("{\"twin_socket\":{\"supported\":true,\"fd_index\":0}}"), 1));
        var e = assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeTwinSocket(
            versionReply("{\"twin_socket\":{\"supported\":true,\"fd_index\":0}}"), 0));
        assertEquals("VERSION capability twin_socket.fd_index is 0 but the reply carried 0 descriptor(s)", e.getMessage());
        e = assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeTwinSocket(
            versionReply("{\"twin_socket\":{\"supported\":true,\"fd_index\":-1}}"), 1));
        e = assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeTwinSocket(
            versionReply("{\"twin_socket\":{\"supported\":true}}"), 1));
        e = assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeTwinSocket(
            versionReply("{\"twin_socket\":true}"), 1));
        assertEquals("VERSION capability twin_socket is not an object", e.getMessage());
        e = assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeTwinSocket(
            versionReply("{\"twin_socket\":{\"supported\":1}}"), 1));
        assertEquals("VERSION capability twin_socket.supported is not a boolean", e.getMessage());
    }

    @Test
    void versionReplyWithoutCapabilitiesTakesTheSpecDefaults() throws Exception {
        assertEquals(new Version(0, 2, 1, 1048576), VfioUserCodec.decodeVersionReply(bytes(0, 0, 2, 0)));
    }

    @Test
    void versionReplyTakesTheServersMinorAndReadsLimits() throws Exception {
        final byte[] json = "{\"capabilities\":{\"max_msg_fds\":4,\"max_data_xfer_size\":65536,\"pgsizes\":4096}}"
            .getBytes(StandardCharsets.UTF_8);
        assertEquals(new Version(0, 2, 4, 65536), VfioUserCodec.decodeVersionReply(concat(bytes(0, 0, 2, 0), json, bytes(0))));
        assertEquals(new Version(0, 1, 4, 65536), VfioUserCodec.decodeVersionReply(concat(bytes(0, 0, 1, 0), json, bytes(0))));
    }

    // docs/interop/vfio-user.rst, VFIO_USER_VERSION: the reply's minor must be equal to or less than the proposed one
    @Test
    void versionReplyWithAHigherMinorThanProposedIsRefused() {
        final var e = assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeVersionReply(bytes(0, 0, 7, 0)));
        assertTrue(e.getMessage().contains("0.7") && e.getMessage().contains("must not exceed"), e.getMessage());
    }

    @Test
    void versionReplyOfAnotherMajorIsRefused() {
        final var e = assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeVersionReply(bytes(1, 0, 0, 0)));
        assertEquals("server speaks vfio-user 1.0, this client 0.2", e.getMessage());
    }

    @Test
    void versionCapabilitiesMustBeNulTerminatedJsonWithSaneLimits() {
        assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeVersionReply(concat(bytes(0, 0, 2, 0), "{}".getBytes(StandardCharsets.UTF_8))));
        assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeVersionReply(concat(bytes(0, 0, 2, 0), "{\"capabilities\":".getBytes(StandardCharsets.UTF_8), bytes(0))));
        final var e = assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeVersionReply(
            concat(bytes(0, 0, 2, 0), "{\"capabilities\":{\"max_msg_fds\":1000}}".getBytes(StandardCharsets.UTF_8), bytes(0))));
        assertEquals("VERSION capability max_msg_fds is 1000, not an integer in 0..16", e.getMessage());
        assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeVersionReply(
            concat(bytes(0, 0, 2, 0), "{\"capabilities\":{\"max_data_xfer_size\":\"big\"}}".getBytes(StandardCharsets.UTF_8), bytes(0))));
    }

    @Test
    void deviceInfoRequestIsArgszSixteen() {
        assertArrayEquals(bytes(16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), VfioUserCodec.deviceInfoPayload());
    }

    @Test
    void deviceInfoCountsAreBounded() throws Exception {
        assertEquals(new VfioUserCodec.DeviceInfo(3, 9, 5),
            VfioUserCodec.decodeDeviceInfo(bytes(16, 0, 0, 0, 3, 0, 0, 0, 9, 0, 0, 0, 5, 0, 0, 0), 100, 50));
        final var e = assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeDeviceInfo(bytes(16, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0), 100, 50));
        assertEquals("device claims 4294967295 regions, more than 100", e.getMessage());
    }

    @Test
    void regionInfoRequestIsArgszFlagsIndexCapOffsetSizeOffset() {
        final byte[] expected = new byte[32];
        expected[0] = 32;
        expected[8] = 7;
        assertArrayEquals(expected, VfioUserCodec.regionInfoPayload(7, 32));
    }

    @Test
    void regionInfoReplyAsksForALargerArgszWhenCapsDoNotFit() throws Exception {
        // argsz 64 needed, flags READ|WRITE|MMAP, index 0, cap_offset 0, size 0x1000, offset 0
        final byte[] p = bytes(64, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        final RegionInfo r = VfioUserCodec.decodeRegionInfo(p, 0, 32);
        assertEquals(64, r.argsz());
        assertEquals(0x1000, r.size());
        assertEquals(0, r.caps().size());
    }

    @Test
    void regionInfoCapabilityChainIsDecoded() throws Exception {
        final byte[] info = bytes(64, 0, 0, 0, 0x0f, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0,
            0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        // sparse mmap: id 1 version 1 next 0; nr_areas 1, reserved; area offset 0 size 0x1000
        final byte[] cap = bytes(1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0);
        final RegionInfo r = VfioUserCodec.decodeRegionInfo(concat(info, cap), 0, 64);
        assertEquals(1, r.caps().size());
        assertEquals(new VfioUserCodec.RegionCap(1, 1, "sparse mmap, 1 area(s): 0x0+0x1000"), r.caps().get(0));
    }

    @Test
    void regionInfoCapabilityChainThatLoopsIsRefused() {
        final byte[] info = bytes(48, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        final byte[] cap = bytes(2, 0, 1, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        final var e = assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeRegionInfo(concat(info, cap), 0, 48));
        assertEquals("region 0 capability chain goes backwards (32 -> 32)", e.getMessage());
    }

    @Test
    void regionInfoCapabilityOutsideTheReplyIsRefused() {
        final byte[] info = bytes(32, 0, 0, 0, 0x08, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeRegionInfo(info, 0, 32));
    }

    @Test
    void regionInfoReplyLongerThanTheArgszOfferedIsRefused() {
        final byte[] p = new byte[40];
        p[0] = 40;
        assertThrows(VfioUserProtocolException.class, () -> VfioUserCodec.decodeRegionInfo(p, 0, 32));
    }

    @Test
    void irqInfoAndSetIrqsLayouts() throws Exception {
        assertArrayEquals(bytes(16, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0), VfioUserCodec.irqInfoPayload(2));
        assertEquals(new VfioUserCodec.IrqInfo(0, 7, 1),
            VfioUserCodec.decodeIrqInfo(bytes(16, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0), 0));
        assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeIrqInfo(bytes(16, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0), 0));
        // argsz 20, flags DATA_EVENTFD|ACTION_TRIGGER (0x24), index 0, start 0, count 1
        assertArrayEquals(bytes(20, 0, 0, 0, 0x24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0),
            VfioUserCodec.setIrqsPayload(0x24, 0, 0, 1));
    }

    @Test
    void regionAccessIsOffsetRegionCountData() throws Exception {
        assertArrayEquals(bytes(0x10, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0),
            VfioUserCodec.regionReadPayload(7, 0x10, 4));
        assertArrayEquals(bytes(4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0xde, 0xad),
            VfioUserCodec.regionWritePayload(0, 4, bytes(0xde, 0xad)));
        final byte[] reply = bytes(0x10, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 0x34, 0x12);
        assertArrayEquals(bytes(0x34, 0x12), VfioUserCodec.decodeRegionAccessReply(reply, 7, 0x10, 2, true));
    }

    @Test
    void regionReadReplyForOtherBytesOrWithTheWrongDataLengthIsRefused() {
        final byte[] otherOffset = bytes(0x14, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 0x34, 0x12);
        assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeRegionAccessReply(otherOffset, 7, 0x10, 2, true));
        final byte[] shortData = bytes(0x10, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 0x34);
        final var e = assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeRegionAccessReply(shortData, 7, 0x10, 2, true));
        assertEquals("REGION_READ reply carries 1 data bytes, expected 2", e.getMessage());
        assertThrows(VfioUserProtocolException.class,
            () -> VfioUserCodec.decodeRegionAccessReply(Arrays.copyOf(shortData, 8), 7, 0x10, 2, true));
    }
}
