package io.irqsim.dm.vfiouser;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.irqsim.dm.vfiouser.VfioUserCodec.Header;
import io.irqsim.dm.vfiouser.VfioUserCodec.RegionInfo;
import io.irqsim.dm.vfiouser.VfioUserCodec.Version;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the vfio-user client's decoders: the input is a server's reply
 * (16-byte header, then payload), its first byte choosing which reply the client expects. A
 * finding is any exception other than {@link VfioUserProtocolException}, or a decoded value
 * outside the bounds the client promises (header size within the limit, at most 16 descriptors
 * advertised, a capability chain of at most 64 entries inside the reply, read data exactly the
 * count asked). The build replays the seeds in {@code VfioUserDecoderFuzzTestInputs/}.
 */
class VfioUserDecoderFuzzTest {

    private static final int LIMIT = 16 + 16 + 1024 * 1024;

    // VfioUserCodec: any reply bytes decode within bounds or are refused with a protocol error
    @FuzzTest(maxDuration = "10m")
    void anyReplyIsDecodedWithinBoundsOrRefused(final byte[] input) {
        if (input.length < 1 + VfioUser.HEADER_SIZE) {
            return;
        }
        final int which = input[0] & 0xff;
        final byte[] head = Arrays.copyOfRange(input, 1, 1 + VfioUser.HEADER_SIZE);
        final byte[] payload = Arrays.copyOfRange(input, 1 + VfioUser.HEADER_SIZE, input.length);
        try {
            final Header h = VfioUserCodec.decodeHeader(head, LIMIT);
            assertTrue(Integer.compareUnsigned(h.size(), VfioUser.HEADER_SIZE) >= 0
                && Integer.compareUnsigned(h.size(), LIMIT) <= 0);
            switch (which % 6) {
                case 0 -> {
                    final Version v = VfioUserCodec.decodeVersionReply(payload);
                    assertEquals(0, v.major());
                    assertTrue(v.minor() <= VfioUser.MINOR && v.maxMsgFds() >= 0 && v.maxMsgFds() <= 16
                        && v.maxDataXferSize() >= 1);
                    final int fds = (which >>> 3) & 1;
                    final int twin = VfioUserCodec.decodeTwinSocket(payload, fds);
                    assertTrue(twin == -1 || twin < fds);
                }
                case 1 -> {
                    final VfioUserCodec.DeviceInfo d = VfioUserCodec.decodeDeviceInfo(payload, 100, 50);
                    assertTrue(Integer.compareUnsigned(d.numRegions(), 100) <= 0
                        && Integer.compareUnsigned(d.numIrqs(), 50) <= 0);
                }
                case 2 -> {
                    final int argsz = Math.max(32, Math.min(payload.length, VfioUserCodec.MAX_REGION_INFO_ARGSZ));
                    final RegionInfo r = VfioUserCodec.decodeRegionInfo(payload, which >>> 3, argsz);
                    assertTrue(r.caps().size() <= VfioUserCodec.MAX_REGION_CAPS);
                    assertTrue(Integer.compareUnsigned(r.argsz(), VfioUserCodec.MAX_REGION_INFO_ARGSZ) <= 0);
                }
                case 3 -> VfioUserCodec.decodeIrqInfo(payload, which >>> 3);
                case 4 -> {
                    final int count = payload.length >= 16 ? Math.max(0, payload.length - 16) : 4;
                    final byte[] data = VfioUserCodec.decodeRegionAccessReply(payload, 7, 0, count, true);
                    assertEquals(count, data.length);
                }
                default -> VfioUserCodec.decodeRegionAccessReply(payload, 0, 0, 4, false);
            }
        } catch (final VfioUserProtocolException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
        }
    }

    // VfioUserDma: any DMA_READ / DMA_WRITE payload is served inside a mapped window or refused with an errno
    @FuzzTest(maxDuration = "10m")
    void anyServerDmaCommandIsServedInsideTheWindowOrRefused(final byte[] input) {
        if (input.length < 1) {
            return;
        }
        final io.irqsim.hv.mem.GuestRam ram = new io.irqsim.hv.mem.GuestRam(0x10000, 0x2000);
        final VfioUserDma dma = new VfioUserDma();
        dma.add(new VfioUserDma.Window(0x10000, 0x2000, true, (input[0] & 1) != 0, DmaMemory.of(ram)));
        final int cmd = (input[0] & 2) != 0 ? VfioUser.CMD_DMA_WRITE : VfioUser.CMD_DMA_READ;
        final byte[] p = Arrays.copyOfRange(input, 1, input.length);
        final VfioUserDma.Answer a = dma.serve(cmd, p, 4096);
        if (a.payload() == null) {
            assertTrue(a.errno() > 0);
            assertEquals(0, ram.pagesAllocated(), "a refused request touches nothing");
            return;
        }
        final java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(p).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        final long addr = in.getLong();
        final long count = in.getLong();
        assertTrue(ram.contains(addr, count) && count <= 4096);
        assertEquals(16 + (cmd == VfioUser.CMD_DMA_READ ? count : 0), a.payload().length);
    }
}
