package io.irqsim.dm.vfiouser;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The client's side of vfio-user DMA: the windows it mapped with {@code DMA_MAP} and the serving
 * of the server's {@code DMA_READ} / {@code DMA_WRITE} commands against them.
 *
 * <p>Layouts follow libvfio-user ({@code include/vfio-user.h}@efd091b: {@code struct
 * vfio_user_dma_map}, {@code vfio_user_dma_unmap}, {@code vfio_user_dma_region_access}): a DMA
 * request is {@code addr u64, count u64} (then the data for a write); the {@code DMA_READ} reply is
 * the same 16 bytes and the data, the {@code DMA_WRITE} reply the same 16 bytes, which
 * {@code lib/libvfio-user.c:vfu_dma_transfer} reads and checks against its request (address and
 * count equal). QEMU's {@code hw/vfio-user/protocol.h} ({@code VFIOUserDMARW}: {@code offset u64,
 * count u32}) and the spec ({@code docs/interop/vfio-user.rst}) give the count other widths; irqsim
 * follows libvfio-user, the server it interoperates with.
 *
 * <p>Every request is checked before any memory is touched: payload length, count at most the
 * client's {@code max_data_xfer_size}, the range inside one mapped window (no wrap-around) that
 * allows the access. A bad request gets an error reply ({@code EINVAL} for a malformed one,
 * {@code EFAULT} for an address outside every window, {@code EPERM} for a window without that
 * permission) and the connection goes on.
 */
final class VfioUserDma {

    /** struct vfio_user_dma_map: argsz, flags, offset, addr, size. */
    static final int MAP_SIZE = 32;
    /** struct vfio_user_dma_unmap without a bitmap: argsz, flags, addr, size. */
    static final int UNMAP_SIZE = 24;
    /** struct vfio_user_dma_region_access: addr, count. */
    static final int ACCESS_SIZE = 16;

    static final int F_READ = 1;
    static final int F_WRITE = 2;
    static final int F_MMAP = 4;

    static final int EPERM = 1;
    static final int EINVAL = 22;
    static final int EFAULT = 14;
    static final int ENOTSUP = 95;

    /** One DMA_MAP: [iova, iova + size) with its permissions. */
    record Window(long iova, long size, boolean readable, boolean writable, DmaMemory memory) {
        boolean covers(final long addr, final long count) {
            final long off = addr - iova;
            return Long.compareUnsigned(addr, iova) >= 0 && Long.compareUnsigned(off, size) <= 0
                && Long.compareUnsigned(count, size - off) <= 0;
        }
    }

    private final List<Window> windows = new ArrayList<>();
    private long reads;
    private long writes;
    private long refused;

    static byte[] mapPayload(final int flags, final long offset, final long iova, final long size) {
        return VfioUserCodec.le(new byte[MAP_SIZE]).putInt(MAP_SIZE).putInt(flags).putLong(offset).putLong(iova)
            .putLong(size).array();
    }

    static byte[] unmapPayload(final long iova, final long size) {
        return VfioUserCodec.le(new byte[UNMAP_SIZE]).putInt(UNMAP_SIZE).putInt(0).putLong(iova).putLong(size).array();
    }

    void add(final Window w) {
        for (final Window o : windows) {
            if (Long.compareUnsigned(w.iova(), o.iova() + o.size()) < 0
                && Long.compareUnsigned(o.iova(), w.iova() + w.size()) < 0) {
                throw new IllegalArgumentException(String.format("DMA window [0x%x, +0x%x) overlaps [0x%x, +0x%x)",
                    w.iova(), w.size(), o.iova(), o.size()));
            }
        }
        windows.add(w);
    }

    void remove(final long iova) {
        windows.removeIf(w -> w.iova() == iova);
    }

    List<Window> windows() {
        return List.copyOf(windows);
    }

    boolean isEmpty() {
        return windows.isEmpty();
    }

    /** The outcome of one server command: the reply's payload or an errno. */
    record Answer(byte[] payload, int errno) {
    }

    /**
     * Serves one DMA_READ or DMA_WRITE.
     *
     * @param cmd command
     * @param p its payload
     * @param maxXfer the client's max_data_xfer_size
     * @return the reply payload, or an errno
     */
    Answer serve(final int cmd, final byte[] p, final int maxXfer) {
        if (cmd != VfioUser.CMD_DMA_READ && cmd != VfioUser.CMD_DMA_WRITE) {
            refused++;
            return new Answer(null, ENOTSUP);
        }
        if (p.length < ACCESS_SIZE) {
            refused++;
            return new Answer(null, EINVAL);
        }
        final ByteBuffer in = VfioUserCodec.le(p);
        final long addr = in.getLong();
        final long count = in.getLong();
        final boolean read = cmd == VfioUser.CMD_DMA_READ;
        if (Long.compareUnsigned(count, maxXfer) > 0
            || p.length != ACCESS_SIZE + (read ? 0 : count)) {
            refused++;
            return new Answer(null, EINVAL);
        }
        Window hit = null;
        for (final Window w : windows) {
            if (w.covers(addr, count)) {
                hit = w;
                break;
            }
        }
        if (hit == null) {
            refused++;
            return new Answer(null, EFAULT);
        }
        if (read ? !hit.readable() : !hit.writable()) {
            refused++;
            return new Answer(null, EPERM);
        }
        final int n = (int) count;
        if (read) {
            final byte[] out = new byte[ACCESS_SIZE + n];
            System.arraycopy(p, 0, out, 0, ACCESS_SIZE);
            hit.memory().read(addr, out, ACCESS_SIZE, n);
            reads++;
            return new Answer(out, 0);
        }
        hit.memory().write(addr, p, ACCESS_SIZE, n);
        writes++;
        final byte[] out = new byte[ACCESS_SIZE];
        System.arraycopy(p, 0, out, 0, ACCESS_SIZE);
        return new Answer(out, 0);
    }

    /**
     * @param errno why
     * @return a refusal decided by the caller (a command that came with descriptors), counted
     */
    Answer refuse(final int errno) {
        refused++;
        return new Answer(null, errno);
    }

    long reads() {
        return reads;
    }

    long writes() {
        return writes;
    }

    long refused() {
        return refused;
    }
}
