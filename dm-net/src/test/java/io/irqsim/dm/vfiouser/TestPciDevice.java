package io.irqsim.dm.vfiouser;

import io.irqsim.dm.vfiouser.VfioUserCodec.Header;
import io.irqsim.dm.vfiouser.VfioUserTestServer.Reply;
import io.irqsim.guest.device.NicTestDevice;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The test server's device, answering as a vfio-user PCI device server does: a type-0 config
 * space (region 7, 256 bytes) with a PM and a vendor-specific capability, one 4 KiB memory BAR
 * (region 0, with a sparse-mmap capability whose descriptor comes with the region info, as
 * libvfio-user sends one per mmap-able area) and INTx on an eventfd. BAR0 has irqsim's NIC test
 * device's registers ({@link NicTestDevice}: ID, STATUS, ACK, DOORBELL, RAISED, ACKED), so the
 * guest's driver binds to it when it is plugged into a guest: a DOORBELL write sets the interrupt
 * pending and raises INTx, an ACK write clears it. INTx is automasked once raised and rearmed by
 * SET_IRQS UNMASK, firing again then if the interrupt is still pending (VFIO's level-triggered
 * INTx contract, {@code linux/vfio.h}). {@link #withMsi()} adds a 64-bit MSI capability at 0x60
 * (one vector) and one MSI vector in GET_IRQ_INFO: once the guest's (forwarded) write has set the
 * capability's enable bit and SET_IRQS has handed over the MSI eventfd, the device raises MSI
 * instead of INTx. {@link #withMsix()} adds an MSI-X capability at 0x70 too (two entries, table
 * at BAR0 0x800, PBA at 0xc00; the table itself is the VMM's to emulate, as QEMU's vfio-pci does)
 * and two MSI-X vectors; with MSI-X enabled in its config space the device raises vector 0.
 * Argument checks follow libvfio-user
 * ({@code lib/libvfio-user.c}, {@code lib/irq.c:device_set_irqs_validate}@efd091b), answering
 * EINVAL.
 *
 * <p>Besides: a 16-byte I/O BAR 1 (region 1; its config-space register has bit 0 set, as
 * libvfio-user sets it for a BAR region without {@code VFU_REGION_FLAG_MEM}) with a read-only ID at
 * offset 0 and scratch bytes after it; a 2 KiB expansion ROM (region 6, read-only, {@code 55 aa}
 * signature); and DMA: DMA_MAP / DMA_UNMAP are recorded, and BAR0's DMA registers
 * ({@link #REG_DMA_ADDR}, {@link #REG_DMA_LEN}, {@link #REG_DMA_GO}) make the device DMA_WRITE a
 * pattern to the client and DMA_READ it back, either before it answers the register write
 * ({@link #DMA_GO_SYNC}: the client is waiting for that reply) or after it, followed by INTx
 * ({@link #DMA_GO_THEN_IRQ}, as libvfio-user's sample server does when its timer fires). The DMA goes
 * through the server ({@link #dmaVia}).
 */
public final class TestPciDevice implements VfioUserTestServer.Responder {

    /** IDs and class of the test device (hand-chosen; nothing registered). */
    public static final int VENDOR = 0x4952;
    public static final int DEVICE = 0x5153;
    public static final int SUBSYSTEM_VENDOR = 0x4952;
    public static final int SUBSYSTEM = 0x0001;
    public static final int CLASS_CODE = 0x020000;
    public static final int BAR0_SIZE = 0x1000;
    public static final int CONFIG_SIZE = 256;
    public static final int NUM_REGIONS = 9;
    public static final int NUM_IRQS = 5;
    /** The VERSION reply's limits. */
    public static final int MAX_MSG_FDS = 8;
    public static final int MAX_DATA_XFER = 1024 * 1024;

    static final int EINVAL = 22;

    /** Where {@link #withMsi()} puts its MSI capability. */
    public static final int MSI_CAP = 0x60;
    /** Where {@link #withMsix()} puts its MSI-X capability, its table and PBA (BAR0 offsets), and its size. */
    public static final int MSIX_CAP = 0x70;
    public static final int MSIX_TABLE = 0x800;
    public static final int MSIX_PBA = 0xc00;
    public static final int MSIX_ENTRIES = 2;

    private final boolean msi;
    private final boolean msix;
    private final boolean msiMaskable;
    /** I/O BAR 1: size, the read-only ID at offset 0. */
    public static final int IO_BAR = 1;
    public static final int IO_SIZE = 16;
    public static final int IO_ID = 0x10ABCDEF;
    /** Expansion ROM (region 6) size. */
    public static final int ROM_SIZE = 2048;
    /** BAR0 DMA registers: guest address (8 bytes), length (4), go (4), status (4). */
    public static final int REG_DMA_ADDR = 0x20;
    public static final int REG_DMA_LEN = 0x28;
    public static final int REG_DMA_GO = 0x2c;
    public static final int REG_DMA_STATUS = 0x30;
    /** DMA_GO values: DMA before the reply to this write; DMA after it, then raise INTx. */
    public static final int DMA_GO_SYNC = 1;
    public static final int DMA_GO_THEN_IRQ = 2;
    /** DMA_STATUS: read back what was written; read back something else; (errno << 8) | 3: client error reply. */
    public static final int DMA_OK = 1;
    public static final int DMA_MISMATCH = 2;

    private final byte[] io = new byte[IO_SIZE];
    private final byte[] rom = new byte[ROM_SIZE];
    private final List<long[]> dmaMaps = new ArrayList<>();
    private final List<Integer> dmaStatuses = new ArrayList<>();
    private int dmaUnmaps;
    private int dmaRuns;
    private VfioUserTestServer server;

    private final byte[] config = new byte[CONFIG_SIZE];
    private final byte[] bar0 = new byte[BAR0_SIZE];
    private final TestDeviceIrqs irqs;
    private int doorbells;
    private int acks;
    private int resets;

    /** A device in its reset state, INTx only. */
    public TestPciDevice() {
        this(false);
    }

    private TestPciDevice(final boolean msi) {
        this(msi, false);
    }

    private TestPciDevice(final boolean msi, final boolean msix) {
        this(msi, msix, false);
    }

    private TestPciDevice(final boolean msi, final boolean msix, final boolean msiMaskable) {
        this.msi = msi;
        this.msix = msix;
        this.msiMaskable = msiMaskable;
        this.irqs = new TestDeviceIrqs(msi, msix, config);
        resetState();
        rom[0] = 0x55;
        rom[1] = (byte) 0xaa;
        rom[2] = (byte) (ROM_SIZE / 512);
        for (int i = 3; i < ROM_SIZE; i++) {
            rom[i] = romByte(i);
        }
    }

    /**
     * @param i offset in the ROM, from 3
     * @return the test ROM's byte there
     */
    public static byte romByte(final int i) {
        return (byte) (i ^ 0x5a);
    }

    /**
     * @param i offset in a DMA transfer
     * @param run which transfer (1 for the first)
     * @return the byte the device writes there
     */
    public static byte dmaPattern(final int i, final int run) {
        return (byte) (i * 7 + run);
    }

    /**
     * The server the device's DMA goes through (its {@link VfioUserTestServer#call}).
     *
     * @param s the server serving this device
     * @return this
     */
    public TestPciDevice dmaVia(final VfioUserTestServer s) {
        this.server = s;
        return this;
    }

    /** @return each DMA_MAP as {iova, size, flags, descriptors that came with it} */
    public synchronized List<long[]> dmaMaps() {
        return List.copyOf(dmaMaps);
    }

    /** @return DMA_UNMAPs handled */
    public synchronized int dmaUnmaps() {
        return dmaUnmaps;
    }

    /** @return the status of each DMA run ({@link #DMA_OK}, ...) */
    public synchronized List<Integer> dmaStatuses() {
        return List.copyOf(dmaStatuses);
    }

    /** @return the I/O BAR's bytes */
    public synchronized byte[] io() {
        return io.clone();
    }

    /** @return a device with MSI as {@link #withMsi()}, its capability with per-vector masking (mask bits at 0x70) */
    public static TestPciDevice withMaskableMsi() {
        return new TestPciDevice(true, false, true);
    }

    /** @return a device with MSI (as {@link #withMsi()}) and MSI-X (two vectors) */
    public static TestPciDevice withMsix() {
        return new TestPciDevice(true, true);
    }

    /** @return MSI-X vector 0 raises */
    public synchronized int msixRaised() {
        return irqs.msixRaised();
    }

    /** @return SET_IRQS of the MSI-X index with eventfds accepted */
    public synchronized int msixEventfdSets() {
        return irqs.msixEventfdSets();
    }

    /** @return SET_IRQS that disabled the MSI-X index (count 0) */
    public synchronized int msixDisables() {
        return irqs.msixDisables();
    }

    /**
     * @param vector 0 or 1
     * @return whether the MSI-X vector has an eventfd
     */
    public synchronized boolean hasMsixEventfd(final int vector) {
        return irqs.hasMsixEventfd(vector);
    }

    /** @return a device that also has an MSI capability (one vector) and an MSI IRQ index of count 1 */
    public static TestPciDevice withMsi() {
        return new TestPciDevice(true);
    }

    private void resetState() {
        java.util.Arrays.fill(config, (byte) 0);
        java.util.Arrays.fill(bar0, (byte) 0);
        final ByteBuffer c = le(config);
        c.putShort(0x00, (short) VENDOR).putShort(0x02, (short) DEVICE);
        c.putShort(0x06, (short) 0x0010);          // status: capability list
        c.put(0x08, (byte) 0x01);                   // revision
        c.put(0x09, (byte) CLASS_CODE).put(0x0a, (byte) (CLASS_CODE >> 8)).put(0x0b, (byte) (CLASS_CODE >> 16));
        c.putInt(0x10, 0);                          // BAR0: 32-bit memory, not prefetchable
        c.putInt(0x14, 1);                          // BAR1: I/O
        c.putShort(0x2c, (short) SUBSYSTEM_VENDOR).putShort(0x2e, (short) SUBSYSTEM);
        c.put(0x34, (byte) 0x40);                   // capabilities pointer
        c.put(0x3d, (byte) 1);                      // interrupt pin INTA#
        c.put(0x40, (byte) 0x01).put(0x41, (byte) 0x50).putShort(0x42, (short) 0x0003); // PM, next 0x50
        c.put(0x50, (byte) 0x09).put(0x51, (byte) (msi ? MSI_CAP : 0)).put(0x52, (byte) 4); // vendor-specific
        if (msi) {
            // MSI: 64-bit address, multiple message capable 1 (one vector), no per-vector masking
            c.put(MSI_CAP, (byte) 0x05).put(MSI_CAP + 1, (byte) (msix ? MSIX_CAP : 0))
                .putShort(MSI_CAP + 2, (short) (msiMaskable ? 0x0180 : 0x0080));
        }
        if (msix) {
            c.put(MSIX_CAP, (byte) 0x11).put(MSIX_CAP + 1, (byte) 0).putShort(MSIX_CAP + 2, (short) (MSIX_ENTRIES - 1));
            c.putInt(MSIX_CAP + 4, MSIX_TABLE).putInt(MSIX_CAP + 8, MSIX_PBA);   // BIR 0 for both
        }
        java.util.Arrays.fill(io, (byte) 0);
        le(io).putInt(0, IO_ID);
        irqs.reset();
    }

    /**
     * The device side raises its interrupt (as a DOORBELL write does); with no INTx eventfd yet it
     * stays pending and fires when one is set.
     *
     * @throws IOException if the eventfd write fails
     */
    public synchronized void fire() throws IOException {
        doorbells++;
        irqs.assertPending();
    }

    /** @return INTx raises so far */
    public synchronized int intxRaised() {
        return irqs.intxRaised();
    }

    /** @return whether INTx is masked (automasked after a raise, until UNMASK) */
    public synchronized boolean intxMasked() {
        return irqs.intxMasked();
    }

    /** @return MSIs raised (eventfd signalled) */
    public synchronized int msiRaised() {
        return irqs.msiRaised();
    }

    /** @return SET_IRQS of the MSI index with eventfds (ACTION_TRIGGER|DATA_EVENTFD) accepted */
    public synchronized int msiEventfdSets() {
        return irqs.msiEventfdSets();
    }

    /** @return SET_IRQS that disabled the MSI index (DATA_NONE|ACTION_TRIGGER, count 0) */
    public synchronized int msiDisables() {
        return irqs.msiDisables();
    }

    /** @return whether the MSI eventfd is set */
    public synchronized boolean hasMsiEventfd() {
        return irqs.hasMsiEventfd();
    }

    /**
     * @param offset config offset
     * @param size 1, 2 or 4
     * @return the device's own config space (what the client's writes left there)
     */
    public synchronized int config(final int offset, final int size) {
        int v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (config[offset + i] & 0xff);
        }
        return v;
    }

    /**
     * The device itself changes a config byte (as hardware updates status or its own registers).
     *
     * @param offset config offset
     * @param value the byte
     */
    public synchronized void deviceSetsConfig(final int offset, final int value) {
        config[offset] = (byte) value;
    }

    /** @return DEVICE_RESETs handled */
    public synchronized int resets() {
        return resets;
    }

    @Override
    public synchronized Reply handle(final Header h, final byte[] p, final int[] fds) throws IOException {
        if (fds.length > 0 && h.command() != VfioUser.CMD_DEVICE_SET_IRQS && h.command() != VfioUser.CMD_DMA_MAP) {
            TestDeviceIrqs.closeAll(fds);
            return error(h, EINVAL);
        }
        return switch (h.command()) {
            case VfioUser.CMD_VERSION -> version(h, p);
            case VfioUser.CMD_DEVICE_GET_INFO -> p.length < 16 || le(p).getInt(0) < 16 ? error(h, EINVAL)
                : reply(h, le(new byte[16]).putInt(16).putInt(VfioUser.DEVICE_FLAG_RESET | VfioUser.DEVICE_FLAG_PCI)
                    .putInt(NUM_REGIONS).putInt(NUM_IRQS).array());
            case VfioUser.CMD_DEVICE_GET_REGION_INFO -> regionInfo(h, p);
            case VfioUser.CMD_DEVICE_GET_IRQ_INFO -> irqInfo(h, p);
            case VfioUser.CMD_DEVICE_SET_IRQS -> setIrqs(h, p, fds);
            case VfioUser.CMD_REGION_READ, VfioUser.CMD_REGION_WRITE -> access(h, p);
            case VfioUser.CMD_DMA_MAP -> dmaMap(h, p, fds);
            case VfioUser.CMD_DMA_UNMAP -> dmaUnmap(h, p);
            case VfioUser.CMD_DEVICE_RESET -> {
                resets++;
                resetState();
                yield reply(h, new byte[0]);
            }
            default -> error(h, EINVAL);
        };
    }

    /**
     * The client went away: as libvfio-user's {@code vfu_reset_ctx} disables the IRQs on a
     * disconnect, the INTx eventfd is closed (the device's pending state stays).
     */
    @Override
    public synchronized void disconnected() {
        irqs.disconnected();
    }

    private Reply version(final Header h, final byte[] p) {
        if (p.length < 4 || le(p).getShort(0) != 0) {
            return error(h, EINVAL);
        }
        final byte[] json = ("{\"capabilities\":{\"max_msg_fds\":" + MAX_MSG_FDS + ",\"max_data_xfer_size\":"
            + MAX_DATA_XFER + ",\"pgsizes\":4096}}").getBytes(StandardCharsets.UTF_8);
        final ByteBuffer out = le(new byte[4 + json.length + 1]);
        out.putShort((short) 0).putShort((short) 2).put(json).put((byte) 0);
        return reply(h, out.array());
    }

    private Reply regionInfo(final Header h, final byte[] p) throws IOException {
        if (p.length < 32) {
            return error(h, EINVAL);
        }
        final ByteBuffer in = le(p);
        final int argsz = in.getInt(0);
        final int index = in.getInt(8);
        if (argsz < 32 || index < 0 || index >= NUM_REGIONS) {
            return error(h, EINVAL);
        }
        long size = 0;
        int flags = 0;
        int capsSize = 0;
        if (index == VfioUser.REGION_BAR0) {
            size = BAR0_SIZE;
            flags = VfioUser.REGION_FLAG_READ | VfioUser.REGION_FLAG_WRITE | VfioUser.REGION_FLAG_MMAP;
            capsSize = 8 + 8 + 16;               // header, nr_areas + reserved, one area
        } else if (index == VfioUser.REGION_CONFIG) {
            size = CONFIG_SIZE;
            flags = VfioUser.REGION_FLAG_READ | VfioUser.REGION_FLAG_WRITE;
        } else if (index == IO_BAR) {
            size = IO_SIZE;
            flags = VfioUser.REGION_FLAG_READ | VfioUser.REGION_FLAG_WRITE;
        } else if (index == VfioUser.REGION_ROM) {
            size = ROM_SIZE;
            flags = VfioUser.REGION_FLAG_READ;
        }
        final int needed = 32 + capsSize;
        final boolean withCaps = capsSize > 0 && argsz >= needed;
        final ByteBuffer out = le(new byte[Math.min(needed, argsz)]);
        out.putInt(needed).putInt(flags | (withCaps ? VfioUser.REGION_FLAG_CAPS : 0)).putInt(index)
            .putInt(withCaps ? 32 : 0).putLong(size).putLong(0);
        if (!withCaps) {
            return reply(h, out.array());
        }
        out.putShort((short) VfioUser.REGION_CAP_SPARSE_MMAP).putShort((short) 1).putInt(0);
        out.putInt(1).putInt(0).putLong(0).putLong(BAR0_SIZE);
        // the descriptor a real server would mmap; any descriptor serves to test the client
        final Eventfd area = Eventfd.create();
        final byte[] msg = VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, out.array());
        return new Reply(msg, new int[] {area.fd()}, false, area::close);
    }

    private Reply irqInfo(final Header h, final byte[] p) {
        if (p.length < 16 || le(p).getInt(0) < 16) {
            return error(h, EINVAL);
        }
        final int index = le(p).getInt(8);
        if (index < 0 || index >= NUM_IRQS) {
            return error(h, EINVAL);
        }
        final int flags = TestDeviceIrqs.infoFlags(index);
        final int count = irqs.count(index);
        return reply(h, le(new byte[16]).putInt(16).putInt(flags).putInt(index).putInt(count).array());
    }

    private Reply setIrqs(final Header h, final byte[] p, final int[] fds) throws IOException {
        if (p.length < 20 || le(p).getInt(0) < 20) {
            TestDeviceIrqs.closeAll(fds);
            return error(h, EINVAL);
        }
        final ByteBuffer in = le(p);
        final int flags = in.getInt(4);
        final int index = in.getInt(8);
        final int start = in.getInt(12);
        final int count = in.getInt(16);
        final int action = flags & 0x38;
        final int data = flags & 0x07;
        final boolean valid = index >= 0 && index < NUM_IRQS
            && (action == VfioUser.IRQ_SET_ACTION_MASK || action == VfioUser.IRQ_SET_ACTION_UNMASK
                || action == VfioUser.IRQ_SET_ACTION_TRIGGER)
            && (data == VfioUser.IRQ_SET_DATA_NONE || data == VfioUser.IRQ_SET_DATA_BOOL
                || data == VfioUser.IRQ_SET_DATA_EVENTFD)
            && (count == 0 ? start == 0 && action == VfioUser.IRQ_SET_ACTION_TRIGGER && data == VfioUser.IRQ_SET_DATA_NONE
                : start >= 0 && start < irqs.count(index) && (long) start + count <= irqs.count(index))
            && (fds.length == 0 || data == VfioUser.IRQ_SET_DATA_EVENTFD && fds.length == count);
        if (!valid) {
            TestDeviceIrqs.closeAll(fds);
            return error(h, EINVAL);
        }
        if (index == VfioUser.IRQ_MSI) {
            irqs.setMsi(action, data, count, fds);
        } else if (index == VfioUser.IRQ_MSIX) {
            irqs.setMsix(action, data, start, count, fds);
        } else if (index == VfioUser.IRQ_INTX) {
            irqs.setIntx(action, data, count, fds);
        } else {
            TestDeviceIrqs.closeAll(fds);              // ERR/REQ: accepted and not used
        }
        return reply(h, new byte[0]);
    }

    private Reply access(final Header h, final byte[] p) throws IOException {
        final boolean write = h.command() == VfioUser.CMD_REGION_WRITE;
        if (p.length < 16) {
            return error(h, EINVAL);
        }
        final ByteBuffer in = le(p);
        final long offset = in.getLong(0);
        final int region = in.getInt(8);
        final int count = in.getInt(12);
        final byte[] target = region == VfioUser.REGION_CONFIG ? config : region == VfioUser.REGION_BAR0 ? bar0
            : region == IO_BAR ? io : region == VfioUser.REGION_ROM ? rom : null;
        if (target == null || count < 0 || count > MAX_DATA_XFER || offset < 0 || offset + count > target.length
            || (write ? p.length - 16 != count : p.length != 16) || (write && target == rom)) {
            return error(h, EINVAL);
        }
        final int off = (int) offset;
        if (region == VfioUser.REGION_BAR0) {
            refreshRegisters();
        }
        if (!write) {
            final ByteBuffer out = le(new byte[16 + count]);
            out.putLong(offset).putInt(region).putInt(count).put(target, off, count);
            return reply(h, out.array());
        }
        if (region == VfioUser.REGION_CONFIG) {
            for (int i = 0; i < count; i++) {
                configWrite(off + i, p[16 + i]);
            }
        } else if (region == IO_BAR) {
            for (int i = 0; i < count; i++) {
                if (off + i >= 4) {
                    io[off + i] = p[16 + i];        // the ID at 0..3 is read-only
                }
            }
        } else {
            barWrite(off, count == 4 ? le(p).getInt(16) : 0, count, p);
            if (count == 4 && off == REG_DMA_GO) {
                final int go = le(p).getInt(16);
                if (go == DMA_GO_SYNC) {
                    runDma();
                } else if (go == DMA_GO_THEN_IRQ) {
                    final byte[] ok = le(new byte[16]).putLong(offset).putInt(region).putInt(count).array();
                    return new Reply(VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, ok),
                        new int[0], false, this::dmaThenIrq);
                }
            }
        }
        return reply(h, le(new byte[16]).putLong(offset).putInt(region).putInt(count).array());
    }

    private void refreshRegisters() {
        final ByteBuffer b = le(bar0);
        b.putInt(NicTestDevice.REG_ID, NicTestDevice.ID);
        b.putInt(NicTestDevice.REG_STATUS, irqs.pending() ? NicTestDevice.STATUS_PENDING : 0);
        b.putInt(NicTestDevice.REG_RAISED, doorbells);
        b.putInt(NicTestDevice.REG_ACKED, acks);
    }

    private synchronized void dmaThenIrq() {
        try {
            runDma();
            irqs.assertPendingIntx();
        } catch (final IOException e) {
            dmaStatuses.add(-1);
        }
    }

    /**
     * DMA_WRITE of {@code len} pattern bytes to the address in BAR0, then DMA_READ of them back
     * (in one message each: the client's max_data_xfer_size is 1 MiB).
     */
    private void runDma() throws IOException {
        final ByteBuffer b = le(bar0);
        final long addr = b.getLong(REG_DMA_ADDR);
        final int len = b.getInt(REG_DMA_LEN);
        final int run = ++dmaRuns;
        int status;
        try {
            final ByteBuffer w = le(new byte[16 + len]).putLong(addr).putLong(len);
            for (int i = 0; i < len; i++) {
                w.put(dmaPattern(i, run));
            }
            final byte[] wr = server.call(VfioUser.CMD_DMA_WRITE, w.array());
            final byte[] rd = server.call(VfioUser.CMD_DMA_READ, le(new byte[16]).putLong(addr).putLong(len).array());
            status = wr.length == 16 && le(wr).getLong(0) == addr && le(wr).getLong(8) == len
                && rd.length == 16 + len ? DMA_OK : DMA_MISMATCH;
            for (int i = 0; i < len && status == DMA_OK; i++) {
                if (rd[16 + i] != dmaPattern(i, run)) {
                    status = DMA_MISMATCH;
                }
            }
        } catch (final VfioUserTestServer.ClientError e) {
            status = e.errno() << 8 | 3;
        }
        dmaStatuses.add(status);
        b.putInt(REG_DMA_STATUS, status);
    }

    private Reply dmaMap(final Header h, final byte[] p, final int[] fds) {
        TestDeviceIrqs.closeAll(fds);
        if (p.length < 32 || le(p).getInt(0) < 32) {
            return error(h, EINVAL);
        }
        final ByteBuffer in = le(p);
        dmaMaps.add(new long[] {in.getLong(16), in.getLong(24), in.getInt(4), fds.length});
        return reply(h, new byte[0]);
    }

    private Reply dmaUnmap(final Header h, final byte[] p) {
        if (p.length < 24 || le(p).getInt(0) < 24) {
            return error(h, EINVAL);
        }
        final long iova = le(p).getLong(8);
        final long size = le(p).getLong(16);
        if (!dmaMaps.removeIf(m -> m[0] == iova && m[1] == size)) {
            return error(h, EINVAL);
        }
        dmaUnmaps++;
        return reply(h, java.util.Arrays.copyOf(p, 24));
    }

    /** NicTestDevice's registers take 4-byte writes; elsewhere BAR0 is plain memory. */
    private void barWrite(final int off, final int value, final int count, final byte[] p) throws IOException {
        if (count == 4 && off == NicTestDevice.REG_DOORBELL) {
            doorbells++;
            irqs.assertPending();
        } else if (count == 4 && off == NicTestDevice.REG_ACK) {
            if ((value & NicTestDevice.STATUS_PENDING) != 0 && irqs.acknowledge()) {
                acks++;
            }
        } else if (off >= 0x18) {
            System.arraycopy(p, 16, bar0, off, count);
        }
    }

    /**
     * Writable: command (0x04-0x05), BAR0 (0x10-0x13, size-aligned), interrupt line (0x3c); with MSI,
     * its enable bit (multiple message enable stays 0: one vector, libvfio-user's cap_write_msi
     * refuses more than capable), address (dword aligned), upper address and data.
     */
    private void configWrite(final int at, final byte v) {
        if (at == 0x04 || at == 0x05 || at == 0x3c) {
            config[at] = v;
        } else if (msi && at == MSI_CAP + 2) {
            config[at] = (byte) (v & 0x01);
        } else if (msi && at == MSI_CAP + 4) {
            config[at] = (byte) (v & 0xfc);
        } else if (msi && at >= MSI_CAP + 5 && at <= MSI_CAP + 0x0d) {
            config[at] = v;
        } else if (msix && at == MSIX_CAP + 3) {
            config[at] = (byte) (v & 0xc0);     // MSI-X enable and function mask
        } else if (at >= 0x10 && at <= 0x13) {
            final int mask = at == 0x10 ? 0xf0 & ~(BAR0_SIZE - 1) & 0xff : at == 0x11 ? ~((BAR0_SIZE - 1) >> 8) & 0xff : 0xff;
            config[at] = (byte) (v & mask);
        }
    }

    private static Reply reply(final Header h, final byte[] payload) {
        return Reply.of(VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY, 0, payload));
    }

    private static Reply error(final Header h, final int errno) {
        return Reply.of(VfioUserCodec.message(h.msgId(), h.command(), VfioUser.F_TYPE_REPLY | VfioUser.F_ERROR,
            errno, new byte[0]));
    }

    private static ByteBuffer le(final byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
