package io.irqsim.dm.vfiouser;

import io.irqsim.dm.vfiouser.VfioUserCodec.Header;
import io.irqsim.dm.vfiouser.VfioUserTestServer.Reply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The test device dressed as libvfio-user's sample server ({@code samples/server.c}@efd091b) where
 * the guest sees it: IDs {@code 0xdead:0xbeef}, BAR0 an 8-byte I/O region (bit 0 of its config
 * register set, no memory BARs) that takes only an 8-byte access at offset 0 ({@code bar0_access}
 * answers anything else EINVAL). A write there is what arms the sample's timer; here the interrupt
 * fires at once (no timer: tests do not wait on wall-clock time). Everything else is
 * {@link TestPciDevice}'s.
 */
public final class SampleServerLikeDevice implements VfioUserTestServer.Responder {

    static final int EINVAL = 22;

    private final TestPciDevice pci = new TestPciDevice();
    private long bar0;
    private int badAccesses;

    @Override
    public synchronized Reply handle(final Header h, final byte[] p, final int[] fds) throws IOException {
        if (h.command() == VfioUser.CMD_DEVICE_GET_REGION_INFO && p.length >= 32) {
            final int index = le(p).getInt(8);
            if (index <= 6) {
                final long size = index == 0 ? 8 : 0;
                final int flags = index == 0 ? VfioUser.REGION_FLAG_READ | VfioUser.REGION_FLAG_WRITE : 0;
                return reply(h, le(new byte[32]).putInt(32).putInt(flags).putInt(index).putInt(0).putLong(size)
                    .putLong(0).array());
            }
        }
        if ((h.command() == VfioUser.CMD_REGION_READ || h.command() == VfioUser.CMD_REGION_WRITE) && p.length >= 16) {
            final ByteBuffer in = le(p);
            final long offset = in.getLong(0);
            final int region = in.getInt(8);
            final int count = in.getInt(12);
            if (region == VfioUser.REGION_CONFIG && h.command() == VfioUser.CMD_REGION_READ) {
                final Reply r = pci.handle(h, p, fds);
                final ByteBuffer out = le(r.bytes());
                for (int i = 0; i < count; i++) {
                    final long at = offset + i;
                    if (at < 4) {
                        out.put(32 + i, (byte) (0xbeefdeadL >>> (8 * at)));     // vendor dead, device beef
                    } else if (at >= 0x10 && at < 0x28) {
                        out.put(32 + i, (byte) (at == 0x10 ? 1 : 0));           // BAR0 I/O, no other BAR
                    }
                }
                return r;
            }
            if (region == 0) {
                if (count != 8 || offset != 0) {
                    badAccesses++;
                    return Reply.of(VfioUserCodec.message(h.msgId(), h.command(),
                        VfioUser.F_TYPE_REPLY | VfioUser.F_ERROR, EINVAL, new byte[0]));
                }
                if (h.command() == VfioUser.CMD_REGION_WRITE) {
                    bar0 = le(p).getLong(16);
                    pci.fire();
                    return reply(h, le(new byte[16]).putLong(0).putInt(0).putInt(8).array());
                }
                return reply(h, le(new byte[24]).putLong(0).putInt(0).putInt(8).putLong(bar0).array());
            }
        }
        return pci.handle(h, p, fds);
    }

    /** @return the last value written to BAR0 */
    public synchronized long bar0() {
        return bar0;
    }

    /** @return BAR0 accesses refused (not 8 bytes at offset 0) */
    public synchronized int badAccesses() {
        return badAccesses;
    }

    /** @return the underlying device (its INTx state) */
    TestPciDevice pci() {
        return pci;
    }

    private static Reply reply(final Header h, final byte[] payload) {
        return Reply.of(VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, payload));
    }

    private static ByteBuffer le(final byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
