package io.irqsim.dm.vfiouser;

import io.irqsim.dm.net.proto.Msg;
import io.irqsim.hw.pci.Bdf;
import io.irqsim.hw.pci.PciConfigRegisters;
import io.irqsim.hw.pci.PciFunction;
import io.irqsim.hw.trace.HwTrace;

import java.io.IOException;

/**
 * The guest's configuration space of a vfio-user function, as QEMU's vfio-pci keeps it
 * ({@code hw/vfio/pci.c}, qemu/qemu@41192db: {@code vfio_realize}, {@code vfio_pci_read_config},
 * {@code vfio_pci_write_config}, {@code vfio_msi_setup}): an emulated copy read from the server's
 * region 7 at plug time, a per-bit "emulated" mask, and everything else forwarded.
 *
 * <ul>
 * <li><b>Emulated</b> (answered from the copy): the six BARs and the ROM BAR (the VMM places and
 * sizes them; the copy starts with them zeroed, {@code vfio_realize}), bit 7 of the header type
 * (multi-function, always the VMM's), the whole MSI capability ({@code vfio_realize}: "QEMU
 * emulates all of MSI"), and the interrupt line (vfio-pci gets it virtualized by the kernel,
 * {@code drivers/vfio/pci/vfio_pci_config.c:init_pci_cap_basic_perm}, "sometimes used by sw, just
 * virtualize"; a vfio-user server has no such layer, so irqsim keeps it).</li>
 * <li><b>Forwarded</b>: every other bit of a read is the server's REGION_READ of region 7;
 * every write goes to the server first (REGION_WRITE, "let it filter out what we can't
 * write"), then to the copy, so the emulated bits follow the guest.</li>
 * <li><b>MSI</b>: a write overlapping the MSI capability is compared before and after on the
 * copy's enable bit: off&rarr;on calls {@link MsiListener#msiEnabled} with the allocated vector
 * count ({@code msi_nr_vectors_allocated}: 1 &lt;&lt; MME), on&rarr;off {@link MsiListener#msiDisabled}
 * ({@code vfio_pci_write_config}&rarr;{@code vfio_msi_enable} / {@code vfio_msi_disable}). The
 * message is read from the copy at each interrupt ({@code msi_get_message}).</li>
 * </ul>
 *
 * <p>The function's own accessors ({@link #vendorId()}, {@link #barAddress}, ...) read the copy;
 * only the guest's {@link #configRead}/{@link #configWrite} go to the server. A failed forward
 * reads all ones (QEMU returns the errno; the guest sees garbage either way) and is kept in
 * {@link #failure()}.
 *
 * <p><b>MSI-X</b>: the capability's 12 bytes are emulated too ({@code MSIX_CAP_LENGTH}, "QEMU emulates
 * all of MSI &amp; MSIX"), with only enable and function mask writable ({@code msix_init}); a write
 * covering its control tells {@link MsixListener#msixControlWritten} the state before it
 * ({@code msix_write_config}, then {@code vfio_msix_enable} / {@code vfio_msix_disable}). The table
 * and PBA live in a BAR and are {@link VfioUserMsix}'s.
 */
public final class VfioUserConfigSpace extends PciFunction {

    /** {@code PCI_CAP_ID_MSI}. */
    public static final int CAP_ID_MSI = 0x05;
    /** {@code PCI_CAPABILITY_LIST}. */
    public static final int CAPABILITY_LIST = 0x34;
    /** {@code PCI_ROM_ADDRESS}. */
    public static final int ROM_ADDRESS = 0x30;
    /** {@code PCI_MSI_FLAGS_ENABLE}. */
    public static final int MSI_FLAGS_ENABLE = 0x0001;
    /** {@code PCI_MSI_FLAGS_QMASK}: multiple message capable. */
    public static final int MSI_FLAGS_QMASK = 0x000e;
    /** {@code PCI_MSI_FLAGS_QSIZE}: multiple message enable. */
    public static final int MSI_FLAGS_QSIZE = 0x0070;
    /** {@code PCI_MSI_FLAGS_64BIT}. */
    public static final int MSI_FLAGS_64BIT = 0x0080;
    /** {@code PCI_MSI_FLAGS_MASKBIT}. */
    public static final int MSI_FLAGS_MASKBIT = 0x0100;

    /** {@code PCI_CAP_ID_MSIX}. */
    public static final int CAP_ID_MSIX = 0x11;
    /** {@code MSIX_CAP_LENGTH}. */
    public static final int MSIX_CAP_LENGTH = 12;
    /** {@code PCI_MSIX_FLAGS_ENABLE}, {@code PCI_MSIX_FLAGS_MASKALL}, {@code PCI_MSIX_FLAGS_QSIZE}. */
    public static final int MSIX_FLAGS_ENABLE = 0x8000;
    public static final int MSIX_FLAGS_MASKALL = 0x4000;
    public static final int MSIX_FLAGS_QSIZE = 0x07ff;

    /** Told when the guest writes the (emulated) MSI-X control word. */
    public interface MsixListener {
        /**
         * The control word was written.
         *
         * @param wasEnabled MSI-X enable before the write
         * @param wasMaskAll the function mask before the write
         */
        void msixControlWritten(boolean wasEnabled, boolean wasMaskAll);
    }

    /** Told when the guest turns MSI on or off in the (emulated) capability. */
    public interface MsiListener {
        /**
         * MSI went from disabled to enabled ({@code vfio_msi_enable}).
         *
         * @param vectors vectors the guest allocated (1 &lt;&lt; MME)
         */
        void msiEnabled(int vectors);

        /** MSI went from enabled to disabled ({@code vfio_msi_disable}). */
        void msiDisabled();

        /**
         * A config write unmasked a vector whose pending bit was set; the bit is cleared and the
         * vector is to be sent ({@code msi_write_config} &rarr; {@code msi_notify}).
         *
         * @param vector the vector
         */
        default void msiPendingUnmasked(final int vector) {
        }
    }

    private static final MsiListener NO_LISTENER = new MsiListener() {
        @Override
        public void msiEnabled(final int vectors) {
        }

        @Override
        public void msiDisabled() {
        }
    };

    private final VfioUserClient vfio;
    private final byte[] emulatedBits = new byte[PciConfigRegisters.CONFIG_SIZE];
    private final int msiCap;
    private final int msiCapSize;
    private final boolean msi64;
    private final boolean msiMaskbit;
    private final int msixCap;
    private MsiListener listener = NO_LISTENER;
    private MsixListener msixListener;
    private IOException failure;
    private long romSize;
    private long forwardedReads;
    private long forwardedWrites;

    private VfioUserConfigSpace(final VfioUserClient vfio, final Bdf bdf, final String name, final byte[] server,
                                final Msg.RegisterPci id) {
        super(bdf, name, id.vendorId(), id.deviceId(), id.classCode(), id.pin(), HwTrace.NONE);
        this.vfio = vfio;
        // vfio_realize: "Get a copy of config space", then clear the BARs and the ROM BAR, and the
        // multi-function bit (QEMU's choice, always)
        for (int i = 0; i < server.length; i++) {
            put8(i, server[i]);
        }
        for (int i = 0; i < 24; i++) {
            put8(PciConfigRegisters.BAR0 + i, 0);
        }
        put32(ROM_ADDRESS, 0);
        put8(PciConfigRegisters.HEADER_TYPE, server[PciConfigRegisters.HEADER_TYPE] & 0x7f);
        fill(PciConfigRegisters.BAR0, 24, 0xff);
        fill(ROM_ADDRESS, 4, 0xff);
        emulatedBits[PciConfigRegisters.HEADER_TYPE] = (byte) 0x80;
        emulatedBits[PciConfigRegisters.INTERRUPT_LINE] = (byte) 0xff;
        // vfio_msi_setup -> msi_init: the capability is emulated with QEMU's write masks
        final int cap = findCapability(server, CAP_ID_MSI);
        int size = 0;
        boolean is64 = false;
        if (cap != 0) {
            final int flags = (server[cap + 2] & 0xff) | (server[cap + 3] & 0xff) << 8;
            is64 = (flags & MSI_FLAGS_64BIT) != 0;
            final boolean maskbit = (flags & MSI_FLAGS_MASKBIT) != 0;
            size = 0xa + (maskbit ? 0xa : 0) + (is64 ? 0x4 : 0);
            if (cap + size > PciConfigRegisters.CONFIG_SIZE) {
                size = 0;
            } else {
                // msi_init: the guest may write enable and the multiple message enable; address
                // (dword aligned), upper address when 64-bit, data; the mask bits when per-vector masking
                put16(cap + 2, flags & ~(MSI_FLAGS_ENABLE | MSI_FLAGS_QSIZE));
                mask16(cap + 2, MSI_FLAGS_ENABLE | MSI_FLAGS_QSIZE);
                mask32(cap + 4, 0xffff_fffc);
                if (is64) {
                    mask32(cap + 8, 0xffff_ffff);
                }
                mask16(cap + dataOffset(is64), 0xffff);
                if (maskbit) {
                    final int vectors = 1 << ((flags & MSI_FLAGS_QMASK) >> 1);
                    mask32(cap + (is64 ? 0x10 : 0x0c), vectors >= 32 ? -1 : (1 << vectors) - 1);
                }
                fill(cap, size, 0xff);
            }
        }
        this.msiCap = size == 0 ? 0 : cap;
        this.msiCapSize = size;
        this.msi64 = is64;
        this.msiMaskbit = size != 0
            && (((server[cap + 2] & 0xff) | (server[cap + 3] & 0xff) << 8) & MSI_FLAGS_MASKBIT) != 0;
        // msix_init: table size kept, enable and function mask clear and the only writable bits
        final int xcap = findCapability(server, CAP_ID_MSIX);
        if (xcap != 0 && xcap + MSIX_CAP_LENGTH <= PciConfigRegisters.CONFIG_SIZE) {
            final int flags = (server[xcap + 2] & 0xff) | (server[xcap + 3] & 0xff) << 8;
            put16(xcap + 2, flags & MSIX_FLAGS_QSIZE);
            mask16(xcap + 2, MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
            fill(xcap, MSIX_CAP_LENGTH, 0xff);
            this.msixCap = xcap;
        } else {
            this.msixCap = 0;
        }
    }

    /**
     * Reads the server's config space and builds the guest's view of it, with each BAR declared of
     * the kind (memory or I/O) and size {@code bars} read (not yet placed).
     *
     * @param vfio a connected client
     * @param bdf the guest address
     * @param name for diagnostics
     * @param id the identity {@link VfioUserBridge#identity} read
     * @param bars the BARs' sizes and kinds ({@link VfioUserBars#read})
     * @return the function
     * @throws IOException if the server refuses the read, the identity is not a valid header, or a
     *     BAR is not a power of two
     */
    static VfioUserConfigSpace create(final VfioUserClient vfio, final Bdf bdf, final String name,
                                      final Msg.RegisterPci id, final VfioUserBars bars) throws IOException {
        final long size = vfio.regionInfo(VfioUser.REGION_CONFIG).size();
        final byte[] server = new byte[PciConfigRegisters.CONFIG_SIZE];
        final byte[] got = vfio.regionRead(VfioUser.REGION_CONFIG, 0,
            (int) Math.min(size, PciConfigRegisters.CONFIG_SIZE));
        System.arraycopy(got, 0, server, 0, got.length);
        final VfioUserConfigSpace f;
        try {
            f = new VfioUserConfigSpace(vfio, bdf, name, server, id);
            for (int i = 0; i < Msg.BARS; i++) {
                final long s = bars.sizes()[i];
                if (s == 0) {
                    continue;
                }
                if (Long.bitCount(s) != 1) {
                    throw new IOException(String.format("the server's BAR%d is 0x%x bytes, not a power of two as a"
                        + " PCI BAR is", i, s));
                }
                f.defineBar(i, s, bars.io()[i], null);
            }
        } catch (final IllegalArgumentException e) {
            throw new IOException("the device's config space is not a usable PCI header: " + e.getMessage(), e);
        }
        return f;
    }

    /**
     * Declares the expansion ROM and programs its address (left disabled, as firmware leaves it),
     * sized as QEMU's {@code hw/vfio/pci.c:vfio_pci_size_rom} does: address bits above the size and
     * the enable bit (bit 0) writable, the rest reading zero. The ROM BAR stays emulated.
     *
     * @param romSize a power of two, at least 2 KiB (the register's address field starts at bit 11)
     * @param address where it is placed, aligned to its size
     */
    void defineRom(final long romSize, final long address) {
        if (Long.bitCount(romSize) != 1 || romSize < 2048 || romSize > (1L << 31)) {
            throw new IllegalArgumentException(bdf() + ": ROM size " + romSize + " must be a power of two, 2 KiB..2 GiB");
        }
        this.romSize = romSize;
        final int writable = (int) (~(romSize - 1) & 0xFFFF_F800L) | 1;
        for (int i = 0; i < 4; i++) {
            mask8(ROM_ADDRESS + i, (writable >>> (8 * i)) & 0xff);
        }
        put32(ROM_ADDRESS, (int) address);
    }

    /** @return the ROM's size, 0 without one */
    long romSize() {
        return romSize;
    }

    /** {@code pci_find_capability} on the server's copy: walks the list from 0x34, at most 48 entries. */
    static int findCapability(final byte[] config, final int id) {
        if ((config[PciConfigRegisters.STATUS] & 0x10) == 0) {
            return 0;
        }
        int at = config[CAPABILITY_LIST] & 0xfc;
        for (int ttl = 48; ttl > 0 && at >= 0x40; ttl--) {
            if ((config[at] & 0xff) == id) {
                return at;
            }
            at = config[at + 1] & 0xfc;
        }
        return 0;
    }

    private void fill(final int offset, final int length, final int bits) {
        for (int i = 0; i < length; i++) {
            emulatedBits[offset + i] = (byte) bits;
        }
    }

    private static int dataOffset(final boolean is64) {
        return is64 ? 0x0c : 0x08;
    }

    /**
     * {@code vfio_pci_read_config}: emulated bits from the copy, the others from the server.
     */
    @Override
    public int configRead(final int offset, final int size) {
        final int all = size == 4 ? -1 : size == 2 ? 0xffff : 0xff;
        if (!validAccess(offset, size)) {
            return all;
        }
        int emu = 0;
        for (int i = size - 1; i >= 0; i--) {
            emu = (emu << 8) | (emulatedBits[offset + i] & 0xff);
        }
        final int emuVal = emu != 0 ? emulatedConfigRead(offset, size) : 0;
        int phys = 0;
        if ((~emu & all) != 0) {
            try {
                phys = (int) vfio.regionReadValue(VfioUser.REGION_CONFIG, offset, size);
                forwardedReads++;
            } catch (final IOException e) {
                failure = e;
                return all;
            }
        }
        return (emuVal & emu) | (phys & ~emu & all);
    }

    /**
     * {@code vfio_pci_write_config}: the server first, then the copy; around a write to the MSI
     * capability, the enable bit's transition tells the listener.
     */
    @Override
    public void configWrite(final int offset, final int size, final int value) {
        if (!validAccess(offset, size)) {
            return;
        }
        try {
            vfio.regionWriteValue(VfioUser.REGION_CONFIG, offset, size, value);
            forwardedWrites++;
        } catch (final IOException e) {
            failure = e;   // QEMU reports it and goes on with the emulated copy
        }
        if (msiCap != 0 && offset < msiCap + msiCapSize && msiCap < offset + size) {
            final boolean was = msiEnabled();
            emulatedConfigWrite(offset, size, value);
            msiDeliverPendingUnmasked();
            final boolean is = msiEnabled();
            if (!was && is) {
                listener.msiEnabled(msiVectorsAllocated());
            } else if (was && !is) {
                listener.msiDisabled();
            }
        } else if (msixCap != 0 && offset < msixCap + MSIX_CAP_LENGTH && msixCap < offset + size) {
            final boolean wasEnabled = msixEnabled();
            final boolean wasMaskAll = msixMaskAll();
            emulatedConfigWrite(offset, size, value);
            if (msixListener != null && offset <= msixCap + 3 && msixCap + 2 < offset + size) {
                msixListener.msixControlWritten(wasEnabled, wasMaskAll);
            }
        } else {
            emulatedConfigWrite(offset, size, value);
        }
    }

    /** @param l who is told of MSI-X control writes (null: nobody) */
    public void setMsixListener(final MsixListener l) {
        this.msixListener = l;
    }

    /** @return offset of the MSI-X capability, 0 if the device has none */
    public int msixCap() {
        return msixCap;
    }

    /** @return {@code msix_enabled}: the enable bit of the emulated capability */
    public boolean msixEnabled() {
        return msixCap != 0 && (emulatedConfigRead(msixCap + 2, 2) & MSIX_FLAGS_ENABLE) != 0;
    }

    /** @return the function mask bit of the emulated capability */
    public boolean msixMaskAll() {
        return msixCap != 0 && (emulatedConfigRead(msixCap + 2, 2) & MSIX_FLAGS_MASKALL) != 0;
    }

    /** @return table entries (0 without MSI-X) */
    public int msixEntries() {
        return msixCap == 0 ? 0 : (emulatedConfigRead(msixCap + 2, 2) & MSIX_FLAGS_QSIZE) + 1;
    }

    /** @return the table's BIR and offset word ({@code PCI_MSIX_TABLE}) */
    public int msixTable() {
        return emulatedConfigRead(msixCap + 4, 4);
    }

    /** @return the PBA's BIR and offset word ({@code PCI_MSIX_PBA}) */
    public int msixPba() {
        return emulatedConfigRead(msixCap + 8, 4);
    }

    /** @param l who is told of MSI enable and disable (null: nobody) */
    public void setMsiListener(final MsiListener l) {
        this.listener = l == null ? NO_LISTENER : l;
    }

    /** @return offset of the MSI capability, 0 if the device has none */
    public int msiCap() {
        return msiCap;
    }

    /** @return bytes of it the VMM emulates ({@code msi_cap_size}), 0 if none */
    public int msiCapSize() {
        return msiCapSize;
    }

    /** @return {@code msi_enabled}: the enable bit of the emulated capability */
    public boolean msiEnabled() {
        return msiCap != 0 && (emulatedConfigRead(msiCap + 2, 2) & MSI_FLAGS_ENABLE) != 0;
    }

    /** @return {@code msi_nr_vectors_allocated}: 1 &lt;&lt; MME */
    public int msiVectorsAllocated() {
        return msiCap == 0 ? 0 : 1 << ((emulatedConfigRead(msiCap + 2, 2) & MSI_FLAGS_QSIZE) >> 4);
    }

    /** @return the message address the guest programmed ({@code msi_get_message}) */
    public long msiAddress() {
        final long lo = emulatedConfigRead(msiCap + 4, 4) & 0xffff_ffffL;
        return msi64 ? lo | (emulatedConfigRead(msiCap + 8, 4) & 0xffff_ffffL) << 32 : lo;
    }

    /**
     * @param vector 0 .. allocated-1
     * @return the message data for that vector ({@code msi_get_message}: the low MME bits carry it)
     */
    public int msiData(final int vector) {
        final int data = emulatedConfigRead(msiCap + dataOffset(msi64), 2);
        final int n = msiVectorsAllocated();
        return n > 1 ? (data & ~(n - 1)) | vector : data;
    }

    /**
     * {@code hw/pci/msi.c:msi_is_masked} (qemu/qemu@06c83376): only with per-vector masking; under Xen
     * a message whose data vector is 0 stands for a pirq ({@code xen_is_pirq_msi}) and is never
     * masked; otherwise the vector's mask bit.
     *
     * @param vector the vector
     * @return whether a firing of it is held pending
     */
    public boolean msiMasked(final int vector) {
        if (!msiMaskbit || (emulatedConfigRead(msiCap + dataOffset(msi64), 2) & 0xff) == 0) {
            return false;
        }
        return (emulatedConfigRead(maskOffset(), 4) >>> vector & 1) != 0;
    }

    /**
     * {@code msi_notify} on a masked vector: its bit in the pending register (read-only to the guest).
     *
     * @param vector the vector
     */
    public void msiSetPending(final int vector) {
        put32(maskOffset() + 4, emulatedConfigRead(maskOffset() + 4, 4) | 1 << vector);
    }

    /**
     * {@code msi_write_config}'s tail: with MSI enabled and per-vector masking, pending bits past the
     * allocated vectors are dropped and each pending vector now unmasked is cleared and sent.
     */
    private void msiDeliverPendingUnmasked() {
        if (!msiMaskbit || !msiEnabled()) {
            return;
        }
        final int n = msiVectorsAllocated();
        int pending = emulatedConfigRead(maskOffset() + 4, 4) & (n >= 32 ? -1 : (1 << n) - 1);
        put32(maskOffset() + 4, pending);
        for (int v = 0; v < n; v++) {
            if ((pending >>> v & 1) != 0 && !msiMasked(v)) {
                pending &= ~(1 << v);
                put32(maskOffset() + 4, pending);
                listener.msiPendingUnmasked(v);
            }
        }
    }

    private int maskOffset() {
        return msiCap + (msi64 ? 0x10 : 0x0c);
    }

    /** @return config reads that went to the server */
    public long forwardedReads() {
        return forwardedReads;
    }

    /** @return config writes that went to the server */
    public long forwardedWrites() {
        return forwardedWrites;
    }

    /** @return the last forwarding failure, or null */
    public IOException failure() {
        return failure;
    }

    /**
     * @param offset 0..255
     * @return the emulated-bits mask of that byte (tests, diagnostics)
     */
    public int emulatedBits(final int offset) {
        return emulatedBits[offset] & 0xff;
    }
}
