package io.irqsim.dm.vfiouser;

import com.sun.jna.Pointer;

import java.io.Closeable;
import java.io.IOException;

/**
 * A window of client memory the server can map: an anonymous {@code memfd} of {@code size} bytes,
 * mapped shared in this process too, so what the server writes through its mapping the client
 * reads here and the other way round. Its descriptor goes with a DMA_MAP
 * ({@link VfioUserClient#dmaMapShared}); libvfio-user then {@code mmap}s it
 * ({@code lib/dma.c:dma_controller_add_region}@efd091b, access mode MMAP) and a server's
 * {@code vfu_sgl_get} reaches it without messages, as it reaches a QEMU guest's RAM.
 */
public final class SharedDmaMemory implements DmaMemory, Closeable {

    /** Largest shared window (bounded, as the guest RAM window is). */
    public static final long MAX_SIZE = 1L << 26;

    private final long iova;
    private final long size;
    private int fd;
    private Pointer base;

    private SharedDmaMemory(final long iova, final long size, final int fd, final Pointer base) {
        this.iova = iova;
        this.size = size;
        this.fd = fd;
        this.base = base;
    }

    /**
     * @param iova the client address of its first byte
     * @param size bytes, a multiple of 4 KiB up to {@link #MAX_SIZE}
     * @return the window, zero-filled
     * @throws IOException if the memfd cannot be created or mapped
     */
    public static SharedDmaMemory create(final long iova, final long size) throws IOException {
        if (size <= 0 || size > MAX_SIZE || (size & 0xfff) != 0) {
            throw new IllegalArgumentException("shared DMA window of " + size + " bytes");
        }
        final int fd = LibC.memfd_create("irqsim-dma", LibC.MFD_CLOEXEC);
        if (fd < 0) {
            throw new IOException(LibC.describe("memfd_create", LibC.errno()));
        }
        if (LibC.ftruncate(fd, size) != 0) {
            final int errno = LibC.errno();
            LibC.close(fd);
            throw new IOException(LibC.describe("ftruncate", errno));
        }
        final Pointer p = LibC.mmap(null, size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (p == null || Pointer.nativeValue(p) == -1L) {
            final int errno = LibC.errno();
            LibC.close(fd);
            throw new IOException(LibC.describe("mmap", errno));
        }
        return new SharedDmaMemory(iova, size, fd, p);
    }

    /** @return the memfd (stays this object's) */
    public int fd() {
        return fd;
    }

    /** @return the client address of its first byte */
    public long iova() {
        return iova;
    }

    /** @return its size */
    public long size() {
        return size;
    }

    @Override
    public void read(final long addr, final byte[] dst, final int off, final int len) {
        base.read(offset(addr, len), dst, off, len);
    }

    @Override
    public void write(final long addr, final byte[] src, final int off, final int len) {
        base.write(offset(addr, len), src, off, len);
    }

    private long offset(final long addr, final int len) {
        final long o = addr - iova;
        if (base == null || o < 0 || len < 0 || o > size - len) {
            throw new IndexOutOfBoundsException(String.format("[0x%x, +0x%x) is outside the shared window"
                + " [0x%x, +0x%x)", addr, len, iova, size));
        }
        return o;
    }

    /** Unmaps and closes the memfd (the server's mapping, if any, stays valid until it unmaps it). */
    @Override
    public void close() {
        if (base != null) {
            LibC.munmap(base, size);
            base = null;
        }
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
    }
}
