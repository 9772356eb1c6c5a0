package io.irqsim.dm.vfiouser;

/**
 * Client memory a vfio-user server may reach with {@code DMA_READ} / {@code DMA_WRITE}, by
 * address: a guest RAM window ({@link #of(io.irqsim.hv.mem.GuestRam)}) or a shared-memory window.
 * The client checks every request against the mapped windows before it calls these.
 */
public interface DmaMemory {

    /**
     * @param addr client (guest-physical) address, inside the window
     * @param dst destination
     * @param off offset in it
     * @param len bytes
     */
    void read(long addr, byte[] dst, int off, int len);

    /**
     * @param addr client (guest-physical) address, inside the window
     * @param src source
     * @param off offset in it
     * @param len bytes
     */
    void write(long addr, byte[] src, int off, int len);

    /**
     * @param ram a guest's RAM window
     * @return it as DMA memory
     */
    static DmaMemory of(final io.irqsim.hv.mem.GuestRam ram) {
        return new DmaMemory() {
            @Override
            public void read(final long addr, final byte[] dst, final int off, final int len) {
                ram.read(addr, dst, off, len);
            }

            @Override
            public void write(final long addr, final byte[] src, final int off, final int len) {
                ram.write(addr, src, off, len);
            }
        };
    }
}
