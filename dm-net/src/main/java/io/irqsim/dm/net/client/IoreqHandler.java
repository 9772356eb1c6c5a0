package io.irqsim.dm.net.client;

/**
 * A device model's emulation of one region (a range it registered, or one BAR of its PCI
 * function): the guest accesses that reach it. Called on the client's I/O thread, one access at a
 * time, in the order the guest made them; must not block. What it does before returning (a
 * {@code setIntx}, say) reaches the server before the access completes in the guest.
 *
 * <p>An exception is answered to the server as MODEL_FAULT: the guest's read completes as all
 * ones, the write is dropped.
 */
public interface IoreqHandler {

    /**
     * A guest read.
     *
     * @param offset offset within the region
     * @param size 1, 2, 4 or 8
     * @return the value (bits above {@code size} bytes are ignored)
     */
    long read(long offset, int size);

    /**
     * A guest write.
     *
     * @param offset offset within the region
     * @param size 1, 2, 4 or 8
     * @param value the value (only the low {@code size} bytes)
     */
    void write(long offset, int size, long value);
}
