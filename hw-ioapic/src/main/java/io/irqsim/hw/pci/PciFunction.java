package io.irqsim.hw.pci;

import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.trace.TraceSwitch;
import io.irqsim.hw.wire.IrqWire;

import static io.irqsim.hw.pci.PciConfigRegisters.*;

/**
 * A conventional PCI function with a real 256-byte configuration space.
 *
 * <p>Configuration accesses are little-endian, 1, 2 or 4 bytes, naturally aligned; anything else
 * reads all ones and is ignored on write (what a host bridge's configuration mechanism does with
 * an access it cannot issue). Each byte has a write mask: read-only fields (IDs, class, header
 * type, interrupt pin) ignore writes, status error bits are write-1-to-clear, BARs keep their size
 * bits zero so that writing all ones reads back the size (BAR sizing, PCI 3.0 section 6.2.5.1).
 *
 * <p>The function's interrupt condition ({@link #setInterruptRequest(boolean)}) is reflected in
 * status bit 3 and drives its INTx output onto the wire the platform connected, unless command
 * bit 10 (interrupt disable) is set (PCI 3.0 section 6.2.2 and 6.2.3).
 */
public class PciFunction {

    private final Bdf bdf;
    private final String name;
    private final HwTrace trace;
    /** {@code trace}'s switch: a disabled trace costs nothing on the INTx path (TraceSwitch). */
    private final TraceSwitch tracing;
    private final byte[] config = new byte[CONFIG_SIZE];
    private final byte[] writeMask = new byte[CONFIG_SIZE];
    private final byte[] w1cMask = new byte[CONFIG_SIZE];
    private final long[] barSize = new long[BARS_TYPE0];
    private final boolean[] barIo = new boolean[BARS_TYPE0];
    private final MmioDevice[] barDevice = new MmioDevice[BARS_TYPE0];

    private IrqWire intxWire;
    private int intxDriver = -1;
    private boolean interruptRequest;
    private boolean driving;

    /**
     * Creates an endpoint function (header type 0).
     *
     * @param bdf its address
     * @param name for diagnostics
     * @param vendorId vendor ID
     * @param deviceId device ID
     * @param classCode 24-bit class code (base class in bits 23:16)
     * @param interruptPin 0 (no INTx) or 1..4 (INTA#..INTD#)
     * @param trace where INTx changes are reported
     */
    public PciFunction(final Bdf bdf, final String name, final int vendorId, final int deviceId,
                       final int classCode, final int interruptPin, final HwTrace trace) {
        this(bdf, name, vendorId, deviceId, classCode, interruptPin, HEADER_TYPE_NORMAL, trace);
    }

    /**
     * Creates a function with the given header type.
     *
     * @param bdf its address
     * @param name for diagnostics
     * @param vendorId vendor ID
     * @param deviceId device ID
     * @param classCode 24-bit class code
     * @param interruptPin 0..4
     * @param headerType 0 (endpoint) or 1 (PCI-to-PCI bridge)
     * @param trace where INTx changes are reported
     */
    protected PciFunction(final Bdf bdf, final String name, final int vendorId, final int deviceId,
                          final int classCode, final int interruptPin, final int headerType, final HwTrace trace) {
        if (interruptPin < 0 || interruptPin > 4) {
            throw new IllegalArgumentException(bdf + ": interrupt pin " + interruptPin + " is not 0..4");
        }
        if (vendorId < 0 || vendorId >= 0xFFFF || deviceId < 0 || deviceId > 0xFFFF) {
            throw new IllegalArgumentException(String.format("%s: vendor 0x%x / device 0x%x invalid", bdf, vendorId, deviceId));
        }
        this.bdf = bdf;
        this.name = name;
        this.trace = trace;
        this.tracing = trace.traceSwitch();
        put16(VENDOR_ID, vendorId);
        put16(DEVICE_ID, deviceId);
        put8(CLASS_CODE, classCode);
        put8(CLASS_CODE + 1, classCode >>> 8);
        put8(CLASS_CODE + 2, classCode >>> 16);
        put8(HEADER_TYPE, headerType);
        put8(INTERRUPT_PIN, interruptPin);
        // command: I/O, memory, bus master, SERR/parity and interrupt disable are writable
        mask16(COMMAND, COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | (1 << 6) | (1 << 8) | COMMAND_INTX_DISABLE);
        // status: the error bits 15:11 and 8 are write-1-to-clear; bit 3 follows the interrupt condition
        w1c16(STATUS, 0xF900);
        writeMask[INTERRUPT_LINE] = (byte) 0xFF;
        writeMask[0x0C] = (byte) 0xFF; // cache line size
        writeMask[0x0D] = (byte) 0xFF; // latency timer
    }

    // ---------------------------------------------------------------- configuration space

    /**
     * Configuration read, as the OS issues it. A function whose config space lives elsewhere (a
     * passed-through or vfio-user device, QEMU's {@code PCIDeviceClass.config_read}) overrides it
     * and merges {@link #emulatedConfigRead} with the device's answer; the function's own accessors
     * (IDs, BARs, command) read the emulated copy and never go out.
     *
     * @param offset 0..255
     * @param size 1, 2 or 4
     * @return the value, or all ones of the size for an access the mechanism cannot issue
     */
    public int configRead(final int offset, final int size) {
        return emulatedConfigRead(offset, size);
    }

    /**
     * The emulated copy of configuration space (QEMU's {@code pci_default_read_config}).
     *
     * @param offset 0..255
     * @param size 1, 2 or 4
     * @return the value, or all ones of the size for an access the mechanism cannot issue
     */
    public final int emulatedConfigRead(final int offset, final int size) {
        if (!validAccess(offset, size)) {
            return size == 4 ? -1 : size == 2 ? 0xFFFF : 0xFF;
        }
        int v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (config[offset + i] & 0xFF);
        }
        return v;
    }

    /**
     * Configuration write, as the OS issues it (overridable like {@link #configRead}, QEMU's
     * {@code PCIDeviceClass.config_write}).
     *
     * @param offset 0..255
     * @param size 1, 2 or 4
     * @param value the value (low {@code size} bytes)
     */
    public void configWrite(final int offset, final int size, final int value) {
        emulatedConfigWrite(offset, size, value);
    }

    /**
     * Configuration write to the emulated copy (QEMU's {@code pci_default_write_config}): applies the
     * write masks, clears write-1-to-clear bits, and reacts to command-register changes.
     *
     * @param offset 0..255
     * @param size 1, 2 or 4
     * @param value the value (low {@code size} bytes)
     */
    public final void emulatedConfigWrite(final int offset, final int size, final int value) {
        if (!validAccess(offset, size)) {
            return;
        }
        final boolean intxDisabledBefore = isIntxDisabled();
        for (int i = 0; i < size; i++) {
            final int at = offset + i;
            final int b = (value >>> (8 * i)) & 0xFF;
            final int wm = writeMask[at] & 0xFF;
            final int cm = w1cMask[at] & 0xFF;
            int cur = config[at] & 0xFF;
            cur = (cur & ~wm) | (b & wm);
            cur &= ~(b & cm);
            config[at] = (byte) cur;
        }
        if (intxDisabledBefore != isIntxDisabled()) {
            updateIntxOutput();
        }
        configWritten(offset, size, value);
    }

    /**
     * Hook for subclasses: a configuration write happened (after masks were applied).
     *
     * @param offset offset written
     * @param size size
     * @param value value as written
     */
    protected void configWritten(final int offset, final int size, final int value) {
    }

    /**
     * @param offset 0..255
     * @param size 1, 2 or 4
     * @return whether a host bridge can issue that access (naturally aligned, inside the space)
     */
    public static boolean validAccess(final int offset, final int size) {
        return (size == 1 || size == 2 || size == 4) && offset >= 0 && offset + size <= CONFIG_SIZE
            && (offset & (size - 1)) == 0;
    }

    /** Sets a byte bypassing write masks (device-side initialisation). @param offset offset @param v value */
    protected final void put8(final int offset, final int v) {
        config[offset] = (byte) v;
    }

    /** Sets a 16-bit field bypassing write masks. @param offset offset @param v value */
    protected final void put16(final int offset, final int v) {
        put8(offset, v);
        put8(offset + 1, v >>> 8);
    }

    /** Sets a 32-bit field bypassing write masks. @param offset offset @param v value */
    protected final void put32(final int offset, final int v) {
        put16(offset, v);
        put16(offset + 2, v >>> 16);
    }

    /** Makes bits of a 16-bit field writable. @param offset offset @param mask writable bits */
    protected final void mask16(final int offset, final int mask) {
        writeMask[offset] = (byte) mask;
        writeMask[offset + 1] = (byte) (mask >>> 8);
    }

    /** Makes bits of a byte writable. @param offset offset @param mask writable bits */
    protected final void mask8(final int offset, final int mask) {
        writeMask[offset] = (byte) mask;
    }

    /** Makes bits of a 32-bit field writable. @param offset offset @param mask writable bits */
    protected final void mask32(final int offset, final int mask) {
        mask16(offset, mask);
        mask16(offset + 2, mask >>> 16);
    }

    private void w1c16(final int offset, final int mask) {
        w1cMask[offset] = (byte) mask;
        w1cMask[offset + 1] = (byte) (mask >>> 8);
    }

    // ---------------------------------------------------------------- BARs

    /**
     * Declares a BAR: its size (a power of two, at least 16 for memory and 4 for I/O) and kind,
     * and optionally the device that decodes it once an OS maps it.
     *
     * @param index BAR number
     * @param size window size in bytes
     * @param io {@code true} for an I/O BAR
     * @param device the device behind the BAR, or {@code null}
     */
    public final void defineBar(final int index, final long size, final boolean io, final MmioDevice device) {
        final int bars = headerType() == HEADER_TYPE_BRIDGE ? BARS_TYPE1 : BARS_TYPE0;
        if (index < 0 || index >= bars) {
            throw new IllegalArgumentException(bdf + ": no BAR " + index);
        }
        if (Long.bitCount(size) != 1 || size < (io ? 4 : 16) || size > (1L << 31)) {
            throw new IllegalArgumentException(bdf + ": BAR" + index + " size " + size
                + " must be a power of two between " + (io ? 4 : 16) + " and 2 GiB");
        }
        barSize[index] = size;
        barIo[index] = io;
        barDevice[index] = device;
        final int off = BAR0 + 4 * index;
        put32(off, io ? 1 : 0);
        final int writable = (int) ~(size - 1) & (io ? 0xFFFF_FFFC : 0xFFFF_FFF0);
        for (int i = 0; i < 4; i++) {
            writeMask[off + i] = (byte) (writable >>> (8 * i));
        }
    }

    /**
     * @param index BAR number
     * @return the address programmed into the BAR (type bits stripped), or 0
     */
    public final long barAddress(final int index) {
        if (index < 0 || index >= barSize.length) {
            return 0;
        }
        final int raw = emulatedConfigRead(BAR0 + 4 * index, 4);
        return (raw & (barIo[index] ? 0xFFFF_FFFCL : 0xFFFF_FFF0L));
    }

    /**
     * @param index BAR number
     * @return the BAR's size, or 0 if it is not implemented
     */
    public final long barSize(final int index) {
        return index >= 0 && index < barSize.length ? barSize[index] : 0;
    }

    /**
     * @param index BAR number
     * @return the device behind the BAR, or {@code null}
     */
    public final MmioDevice barDevice(final int index) {
        return index >= 0 && index < barDevice.length ? barDevice[index] : null;
    }

    // ---------------------------------------------------------------- INTx

    /**
     * Connects the function's INTx output to the wire the platform's real wiring gives it.
     *
     * @param wire the wire
     */
    public final void connectIntx(final IrqWire wire) {
        if (intxWire != null) {
            throw new IllegalStateException(bdf + " INTx is already connected to " + intxWire.name());
        }
        this.intxWire = wire;
        this.intxDriver = wire.attachDriver(bdf.toString());
        if (driving) {
            // the output was already asserted before the wire existed: the new wire must see it
            wire.drive(intxDriver, true);
        }
        updateIntxOutput();
    }

    /**
     * The function's interrupt condition: sets or clears status bit 3 and drives INTx unless
     * command bit 10 disables it.
     *
     * @param request whether the function requests an interrupt
     */
    public final void setInterruptRequest(final boolean request) {
        if (interruptRequest == request) {
            return;
        }
        interruptRequest = request;
        final int status = config[STATUS] & 0xFF;
        config[STATUS] = (byte) (request ? status | STATUS_INTERRUPT : status & ~STATUS_INTERRUPT);
        updateIntxOutput();
    }

    private void updateIntxOutput() {
        final boolean drive = interruptRequest && !isIntxDisabled() && interruptPin() != 0;
        if (drive == driving) {
            return;
        }
        driving = drive;
        if (TraceSwitch.on(tracing)) {
            trace.event(HwEvent.PCI_INTX, bdf.sbdf(), drive ? 1 : 0, interruptRequest && !drive ? 1 : 0);
        }
        if (intxWire != null) {
            intxWire.drive(intxDriver, drive);
        }
    }

    /** @return whether the function requests an interrupt (status bit 3) */
    public final boolean interruptRequest() {
        return interruptRequest;
    }

    /** @return whether the function currently asserts its INTx output */
    public final boolean isDrivingIntx() {
        return driving;
    }

    /** @return command bit 10 */
    public final boolean isIntxDisabled() {
        // the command register's high byte, read directly: every INTx change asks
        return (config[COMMAND + 1] & (COMMAND_INTX_DISABLE >>> 8)) != 0;
    }

    /** @return the wire INTx is connected to, or {@code null} */
    public final IrqWire intxWire() {
        return intxWire;
    }

    // ---------------------------------------------------------------- identity

    /** @return the address */
    public final Bdf bdf() {
        return bdf;
    }

    /** @return the diagnostic name */
    public final String name() {
        return name;
    }

    /** @return vendor ID */
    public final int vendorId() {
        return emulatedConfigRead(VENDOR_ID, 2);
    }

    /** @return device ID */
    public final int deviceId() {
        return emulatedConfigRead(DEVICE_ID, 2);
    }

    /** @return 24-bit class code */
    public final int classCode() {
        return emulatedConfigRead(0x08, 4) >>> 8;
    }

    /** @return header type without the multi-function bit */
    public final int headerType() {
        return config[HEADER_TYPE] & 0x7F;
    }

    /** @return interrupt pin register: 0 none, 1..4 INTA..INTD */
    public final int interruptPin() {
        return config[INTERRUPT_PIN] & 0xFF;
    }

    /** @return interrupt line register */
    public final int interruptLine() {
        return config[INTERRUPT_LINE] & 0xFF;
    }

    /** @return whether this is a PCI-to-PCI bridge */
    public boolean isBridge() {
        return false;
    }

    @Override
    public String toString() {
        return String.format("%s %s [%04x:%04x]", bdf, name, vendorId(), deviceId());
    }
}
