package io.irqsim.hv.mem;

/**
 * A bounded window of a guest's RAM, the part a device may reach by DMA: a sparse store of 4 KiB
 * pages, allocated on the first write to each (a page never written reads as zeros, as fresh guest
 * RAM does). irqsim models interrupts, not memory, so this is all the guest memory there is: the
 * window a vfio-user client maps for its server ({@code DMA_MAP}) and serves {@code DMA_READ} /
 * {@code DMA_WRITE} from, and that guest drivers may look into. Every access is bounds-checked
 * against the window; nothing outside it exists.
 *
 * <p>Xen keeps an HVM guest's RAM in its p2m; a device model reaches it by mapping guest frames
 * ({@code xenforeignmemory_map}). This store stands for those frames inside the window only.
 */
public final class GuestRam {

    /** Page size of the store (x86's 4 KiB). */
    public static final int PAGE_SIZE = 4096;
    /** Largest window (1 GiB): the page table is an array sized by the window. */
    public static final long MAX_SIZE = 1L << 30;
    /** Default window of an HVM guest: 16 MiB from guest-physical 16 MiB (below the PCI hole). */
    public static final long DEFAULT_BASE = 0x0100_0000L;
    /** Default window size. */
    public static final long DEFAULT_SIZE = 0x0100_0000L;

    private final long base;
    private final long size;
    private final byte[][] pages;
    private int pagesAllocated;

    /**
     * @param base first guest-physical address, page-aligned
     * @param size bytes, a non-zero multiple of the page size, at most {@link #MAX_SIZE}
     */
    public GuestRam(final long base, final long size) {
        if ((base & (PAGE_SIZE - 1)) != 0 || base < 0) {
            throw new IllegalArgumentException("guest RAM base 0x" + Long.toHexString(base) + " is not page-aligned");
        }
        if (size <= 0 || size > MAX_SIZE || (size & (PAGE_SIZE - 1)) != 0 || base + size < base) {
            throw new IllegalArgumentException("guest RAM size 0x" + Long.toHexString(size)
                + " must be a multiple of 4 KiB between 4 KiB and 1 GiB");
        }
        this.base = base;
        this.size = size;
        this.pages = new byte[(int) (size / PAGE_SIZE)][];
    }

    /** @return first guest-physical address */
    public long base() {
        return base;
    }

    /** @return size in bytes */
    public long size() {
        return size;
    }

    /** @return pages written so far (the store's footprint is this times 4 KiB) */
    public int pagesAllocated() {
        return pagesAllocated;
    }

    /**
     * @param gpa guest-physical address
     * @param length bytes (a 64-bit unsigned count, as a DMA request carries)
     * @return whether {@code [gpa, gpa + length)} lies inside the window (no wrap-around)
     */
    public boolean contains(final long gpa, final long length) {
        if (Long.compareUnsigned(gpa, base) < 0 || Long.compareUnsigned(length, size) > 0) {
            return false;
        }
        final long off = gpa - base;
        return Long.compareUnsigned(off, size) <= 0 && Long.compareUnsigned(length, size - off) <= 0;
    }

    /**
     * Copies guest RAM out.
     *
     * @param gpa guest-physical address
     * @param dst destination
     * @param off offset in it
     * @param length bytes
     * @throws IndexOutOfBoundsException if the range is not inside the window
     */
    public void read(final long gpa, final byte[] dst, final int off, final int length) {
        check(gpa, length);
        long at = gpa - base;
        int done = 0;
        while (done < length) {
            final int page = (int) (at / PAGE_SIZE);
            final int in = (int) (at % PAGE_SIZE);
            final int n = Math.min(length - done, PAGE_SIZE - in);
            final byte[] p = pages[page];
            if (p == null) {
                java.util.Arrays.fill(dst, off + done, off + done + n, (byte) 0);
            } else {
                System.arraycopy(p, in, dst, off + done, n);
            }
            done += n;
            at += n;
        }
    }

    /**
     * Copies into guest RAM, allocating the pages touched.
     *
     * @param gpa guest-physical address
     * @param src source
     * @param off offset in it
     * @param length bytes
     * @throws IndexOutOfBoundsException if the range is not inside the window
     */
    public void write(final long gpa, final byte[] src, final int off, final int length) {
        check(gpa, length);
        long at = gpa - base;
        int done = 0;
        while (done < length) {
            final int page = (int) (at / PAGE_SIZE);
            final int in = (int) (at % PAGE_SIZE);
            final int n = Math.min(length - done, PAGE_SIZE - in);
            byte[] p = pages[page];
            if (p == null) {
                p = new byte[PAGE_SIZE];
                pages[page] = p;
                pagesAllocated++;
            }
            System.arraycopy(src, off + done, p, in, n);
            done += n;
            at += n;
        }
    }

    private void check(final long gpa, final int length) {
        if (length < 0 || !contains(gpa, length)) {
            throw new IndexOutOfBoundsException(String.format("guest RAM [0x%x, +0x%x) is outside the window"
                + " [0x%x, 0x%x)", gpa, length, base, base + size));
        }
    }

    @Override
    public String toString() {
        return String.format("guest RAM [0x%x, 0x%x), %d page(s) written", base, base + size, pagesAllocated);
    }
}
