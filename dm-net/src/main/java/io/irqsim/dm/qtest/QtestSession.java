package io.irqsim.dm.qtest;

import io.irqsim.dm.qtest.QtestArgs.Fail;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.ioapic.IoApic;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.platform.DefaultPlatform;
import io.irqsim.hw.platform.Platform;
import io.irqsim.hw.platform.PlatformSpec;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;
import io.irqsim.hw.wire.IrqWire;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One qtest session: the transport-independent interpreter of QEMU's qtest line protocol
 * (QEMU {@code system/qtest.c}, "QTest Protocol") driving one irqsim machine. The protocol and
 * every command are described in {@code docs/qtest.md}.
 *
 * <p>The transport hands over one line at a time ({@link #handleLine(String)}); the session answers
 * through the output callback, one reply line per command ({@code OK}, {@code OK VALUE} or
 * {@code FAIL reason}), preceded by any {@code IRQ raise N} / {@code IRQ lower N} notices the
 * command caused while interception is on. Empty lines and {@code #} comments get no reply. A bad
 * line gets {@code FAIL} and changes nothing; the session always goes on.
 *
 * <p>The session owns its machine: a {@link Platform} built from the default description (or a
 * given one) with a fresh {@link VirtualClock}. Like the machine, a session is confined to one
 * thread and is not thread-safe.
 */
public final class QtestSession {

    /** Largest SIZE {@code read}, {@code write}, {@code b64read}, {@code b64write} and {@code memset} take: 1 MiB. */
    public static final int MAX_DATA_BYTES = 1 << 20;
    /** Longest line a transport must accept: a {@code write} of {@link #MAX_DATA_BYTES} in hex, plus room. */
    public static final int MAX_LINE_LENGTH = 2 * MAX_DATA_BYTES + 1024;
    /** The QOM name the IO-APIC answers to, as on QEMU's PC machines. */
    public static final String IOAPIC_DEVICE = "ioapic";
    /** The only gpio-in list the IO-APIC has (QEMU's name for the unnamed list). */
    public static final String UNNAMED_GPIO_IN = "unnamed-gpio-in";
    /** Name under which the session attaches to a wire as a driver. */
    public static final String DRIVER_NAME = "qtest";

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final Consumer<String> out;
    private final PlatformSpec spec;
    private final HwTrace downstream;
    private final HwTrace trace = new InterceptingTrace();

    private Platform platform;
    private IoApic ioapic;
    private int[] driverHandles;
    private int cpu;
    private boolean intercepting;
    private boolean building;

    /** IRQ notices raised while a command runs: (pin << 1) | 1 for raise, (pin << 1) for lower. */
    private int[] notices = new int[16];
    private int noticeCount;

    /**
     * A session on the default platform.
     *
     * @param out receives each reply line (without a line terminator)
     */
    public QtestSession(final Consumer<String> out) {
        this(DefaultPlatform.spec(), out, HwTrace.NONE);
    }

    /**
     * A session on the machine {@code spec} describes.
     *
     * @param spec the machine
     * @param out receives each reply line (without a line terminator)
     * @param downstream also receives every hardware event (a recorder, or {@link HwTrace#NONE})
     */
    public QtestSession(final PlatformSpec spec, final Consumer<String> out, final HwTrace downstream) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.out = Objects.requireNonNull(out, "out");
        this.downstream = Objects.requireNonNull(downstream, "downstream");
        buildMachine();
    }

    private void buildMachine() {
        building = true;
        try {
            platform = Platform.build(spec, new VirtualClock(), trace);
        } finally {
            building = false;
        }
        ioapic = platform.ioapics().get(0);
        driverHandles = new int[ioapic.pins()];
        Arrays.fill(driverHandles, -1);
        if (cpu >= platform.cpuCount()) {
            cpu = 0;
        }
    }

    // ---------------------------------------------------------------- transport side

    /**
     * Executes one line and emits its reply (after any IRQ notices it caused). A trailing
     * carriage return and surrounding blanks are ignored; empty lines and lines starting with
     * {@code #} produce no reply.
     *
     * @param line one line without its line feed
     */
    public void handleLine(final String line) {
        final String text = line.strip();
        if (text.isEmpty() || text.charAt(0) == '#') {
            return;
        }
        final String[] words = text.split("[ \t]+");
        String reply;
        try {
            reply = execute(words);
        } catch (final Fail f) {
            reply = "FAIL " + f.getMessage();
        } catch (final RuntimeException e) {
            // hardware accesses never throw; this is a bug, but the session must go on
            reply = "FAIL internal error: " + QtestArgs.printable(String.valueOf(e));
        }
        flushNotices();
        out.accept(reply);
    }

    /** Reports a line the transport dropped because it exceeded {@link #MAX_LINE_LENGTH}. */
    public void lineTooLong() {
        out.accept("FAIL line too long (longest accepted: " + MAX_LINE_LENGTH + " bytes)");
    }

    /** @return the machine this session drives (rebuilt by {@code irqsim_reset}) */
    public Platform platform() {
        return platform;
    }

    /** @return the CPU whose address space and local APIC the session uses */
    public int currentCpu() {
        return cpu;
    }

    /** @return whether {@code irq_intercept_in ioapic} is in effect */
    public boolean intercepting() {
        return intercepting;
    }

    // ---------------------------------------------------------------- dispatch

    private String execute(final String[] w) throws Fail {
        final String cmd = w[0];
        switch (cmd) {
            case "readb": return readValue(w, 1);
            case "readw": return readValue(w, 2);
            case "readl": return readValue(w, 4);
            case "readq": return readValue(w, 8);
            case "writeb": return writeValue(w, 1);
            case "writew": return writeValue(w, 2);
            case "writel": return writeValue(w, 4);
            case "writeq": return writeValue(w, 8);
            case "read": return readBytes(w);
            case "write": return writeBytes(w);
            case "b64read": return b64read(w);
            case "b64write": return b64write(w);
            case "memset": return memset(w);
            case "inb": return portIn(w, 1);
            case "inw": return portIn(w, 2);
            case "inl": return portIn(w, 4);
            case "outb":
            case "outw":
            case "outl":
                return portOut(w);
            case "endianness":
                arity(w, 0, 0, "endianness");
                return "OK little";
            case "clock_step": return clockStep(w);
            case "clock_set": return clockSet(w);
            case "irq_intercept_in": return interceptIn(w);
            case "irq_intercept_out":
                arity(w, 1, 2, "irq_intercept_out QOM-PATH [NAME]");
                throw new Fail("irq_intercept_out is not supported: the IO-APIC's outputs are interrupt"
                    + " messages; irq_intercept_in ioapic reports them");
            case "set_irq_in": return setIrqIn(w);
            case "irqsim_cpu": return selectCpu(w);
            case "irqsim_ack": return acknowledge(w);
            case "irqsim_eoi": return eoi(w);
            case "irqsim_reset":
                arity(w, 0, 0, "irqsim_reset");
                buildMachine();
                return "OK";
            default:
                // QEMU's wording for the same case
                throw new Fail("Unknown command '" + QtestArgs.printable(cmd) + "'");
        }
    }

    private static void arity(final String[] w, final int min, final int max, final String usage) throws Fail {
        final int n = w.length - 1;
        if (n < min || n > max) {
            throw new Fail("wrong number of arguments; usage: " + usage);
        }
    }

    private MmioBus bus() {
        return platform.bus(cpu);
    }

    // ---------------------------------------------------------------- memory

    private String readValue(final String[] w, final int size) throws Fail {
        arity(w, 1, 1, w[0] + " ADDR");
        final long addr = QtestArgs.u64("address", w[1]);
        // QEMU prints every read as "OK 0x%016" PRIx64, whatever its width
        return "OK " + hex16(bus().read(addr, size));
    }

    private String writeValue(final String[] w, final int size) throws Fail {
        arity(w, 2, 2, w[0] + " ADDR VALUE");
        final long addr = QtestArgs.u64("address", w[1]);
        final long value = QtestArgs.u64("value", w[2]);
        // like QEMU, the value is truncated to the access width (the bus does that)
        bus().write(addr, size, value);
        return "OK";
    }

    private String readBytes(final String[] w) throws Fail {
        arity(w, 2, 2, "read ADDR SIZE");
        final long addr = QtestArgs.u64("address", w[1]);
        final int len = dataSize(w[2], 1);
        checkRange(addr, len);
        final byte[] data = readMemory(addr, len);
        final StringBuilder sb = new StringBuilder(5 + 2 * len).append("OK 0x");
        for (final byte b : data) {
            sb.append(HEX[(b >> 4) & 0xF]).append(HEX[b & 0xF]);
        }
        return sb.toString();
    }

    private String writeBytes(final String[] w) throws Fail {
        arity(w, 3, 3, "write ADDR SIZE 0xDATA");
        final long addr = QtestArgs.u64("address", w[1]);
        final int len = dataSize(w[2], 1);
        checkRange(addr, len);
        final String hex = w[3];
        if (hex.length() < 4 || hex.charAt(0) != '0' || (hex.charAt(1) != 'x' && hex.charAt(1) != 'X')) {
            throw new Fail("DATA must be 0x followed by hex digits, two per byte");
        }
        final int digits = hex.length() - 2;
        if ((digits & 1) != 0) {
            throw new Fail("DATA has an odd number of hex digits (" + digits + "): two per byte");
        }
        if (digits / 2 > len) {
            throw new Fail("DATA holds " + digits / 2 + " bytes but SIZE is " + len);
        }
        // QEMU: data shorter than SIZE is zero-filled at the end
        final byte[] data = new byte[len];
        for (int i = 0; i < digits / 2; i++) {
            final int hi = QtestArgs.digit(hex.charAt(2 + 2 * i), 16);
            final int lo = QtestArgs.digit(hex.charAt(3 + 2 * i), 16);
            if (hi < 0 || lo < 0) {
                throw new Fail("DATA has a character that is not a hex digit at byte " + i);
            }
            data[i] = (byte) (hi << 4 | lo);
        }
        writeMemory(addr, data);
        return "OK";
    }

    private String b64read(final String[] w) throws Fail {
        arity(w, 2, 2, "b64read ADDR SIZE");
        final long addr = QtestArgs.u64("address", w[1]);
        final int len = dataSize(w[2], 1);
        checkRange(addr, len);
        return "OK " + Base64.getEncoder().encodeToString(readMemory(addr, len));
    }

    private String b64write(final String[] w) throws Fail {
        arity(w, 3, 3, "b64write ADDR SIZE B64_DATA");
        final long addr = QtestArgs.u64("address", w[1]);
        final int len = dataSize(w[2], 1);
        checkRange(addr, len);
        final byte[] data;
        try {
            data = Base64.getDecoder().decode(w[3]);
        } catch (final IllegalArgumentException e) {
            throw new Fail("B64_DATA is not valid base64");
        }
        if (data.length != len) {
            throw new Fail("B64_DATA holds " + data.length + " bytes but SIZE is " + len);
        }
        writeMemory(addr, data);
        return "OK";
    }

    private String memset(final String[] w) throws Fail {
        arity(w, 3, 3, "memset ADDR SIZE VALUE");
        final long addr = QtestArgs.u64("address", w[1]);
        final int len = dataSize(w[2], 0);
        final long value = QtestArgs.u64("value", w[3]);
        checkRange(addr, len);
        if (len > 0) {
            final byte[] data = new byte[len];
            Arrays.fill(data, (byte) value); // QEMU memset(): the low byte
            writeMemory(addr, data);
        }
        return "OK";
    }

    private static int dataSize(final String word, final int min) throws Fail {
        final long n = QtestArgs.u64("size", word);
        if (Long.compareUnsigned(n, MAX_DATA_BYTES) > 0) {
            throw new Fail("size " + Long.toUnsignedString(n) + " is over the limit of " + MAX_DATA_BYTES + " bytes");
        }
        if (n < min) {
            throw new Fail("size must be at least " + min);
        }
        return (int) n;
    }

    private static void checkRange(final long addr, final int len) throws Fail {
        if (len > 0 && Long.compareUnsigned(addr + len - 1, addr) < 0) {
            throw new Fail("the range wraps past the top of the 64-bit address space");
        }
    }

    /**
     * Splits a byte range into accesses the bus can dispatch: at each address the widest of
     * 8/4/2/1 bytes that is naturally aligned, fits the remaining length, is a size the device
     * there accepts and ends on the same device (QEMU's memory core splits by the region's access
     * sizes in the same spirit).
     */
    private static int chunk(final MmioBus bus, final long addr, final int remaining) {
        final MmioDevice dev = bus.deviceAt(addr);
        for (int s = 8; s > 1; s >>= 1) {
            if (s > remaining || (addr & (s - 1)) != 0) {
                continue;
            }
            if (dev != null && (dev.acceptedSizes() & MmioDevice.sizeBit(s)) == 0) {
                continue;
            }
            if (bus.deviceAt(addr + s - 1) != dev) {
                continue;
            }
            return s;
        }
        return 1;
    }

    private byte[] readMemory(final long addr, final int len) {
        final MmioBus bus = bus();
        final byte[] data = new byte[len];
        int off = 0;
        while (off < len) {
            final int s = chunk(bus, addr + off, len - off);
            final long v = bus.read(addr + off, s);
            for (int i = 0; i < s; i++) {
                data[off + i] = (byte) (v >>> (8 * i)); // little-endian
            }
            off += s;
        }
        return data;
    }

    private void writeMemory(final long addr, final byte[] data) {
        final MmioBus bus = bus();
        int off = 0;
        while (off < data.length) {
            final int s = chunk(bus, addr + off, data.length - off);
            long v = 0;
            for (int i = 0; i < s; i++) {
                v |= (data[off + i] & 0xFFL) << (8 * i);
            }
            bus.write(addr + off, s, v);
            off += s;
        }
    }

    // ---------------------------------------------------------------- port I/O

    private static String portIn(final String[] w, final int size) throws Fail {
        arity(w, 1, 1, w[0] + " ADDR");
        port(w[1]);
        // no port-I/O device on the platform: an x86 read of an absent port returns all ones
        return String.format("OK 0x%04x", MmioDevice.allOnes(size));
    }

    private static String portOut(final String[] w) throws Fail {
        arity(w, 2, 2, w[0] + " ADDR VALUE");
        port(w[1]);
        QtestArgs.u64("value", w[2]);
        return "OK";
    }

    private static void port(final String word) throws Fail {
        final long port = QtestArgs.u64("port", word);
        if (Long.compareUnsigned(port, 0xFFFF) > 0) {
            throw new Fail("port " + QtestArgs.printable(word) + " is above 0xffff");
        }
    }

    // ---------------------------------------------------------------- time

    private String clockStep(final String[] w) throws Fail {
        arity(w, 0, 1, "clock_step [NS]");
        final VirtualClock clock = platform.clock();
        final long now = clock.now();
        final long target;
        if (w.length == 1) {
            final long deadline = clock.nextDeadline();
            // QEMU: to the next timer deadline; with none armed, time stays (QEMU replies FAIL)
            target = deadline == Long.MAX_VALUE ? now : Math.max(now, deadline);
        } else {
            final long ns = QtestArgs.s64("step", w[1]);
            if (ns < 0) {
                throw new Fail("clock_step: step " + ns + " is negative; virtual time only moves forward");
            }
            if (now + ns < now) {
                throw new Fail("clock_step: step " + ns + " overflows the 64-bit clock");
            }
            target = now + ns;
        }
        clock.advanceTo(target);
        return "OK " + clock.now();
    }

    private String clockSet(final String[] w) throws Fail {
        arity(w, 1, 1, "clock_set NS");
        final VirtualClock clock = platform.clock();
        final long ns = QtestArgs.s64("time", w[1]);
        if (ns < clock.now()) {
            throw new Fail("clock_set: " + ns + " is before the current time " + clock.now()
                + "; virtual time only moves forward");
        }
        clock.advanceTo(ns);
        return "OK " + clock.now();
    }

    // ---------------------------------------------------------------- interrupts

    private static void device(final String path) throws Fail {
        // "ioapic" as QEMU's tests write it, or a QOM path ending in it (/machine/i440fx/ioapic)
        if (!path.equals(IOAPIC_DEVICE) && !(path.startsWith("/") && path.endsWith("/" + IOAPIC_DEVICE))) {
            throw new Fail("Unknown device '" + QtestArgs.printable(path) + "': the only device is 'ioapic'");
        }
    }

    private String interceptIn(final String[] w) throws Fail {
        arity(w, 1, 2, "irq_intercept_in ioapic");
        device(w[1]);
        if (w.length == 3) {
            throw new Fail("interception of named in-GPIOs is not supported; use irq_intercept_in ioapic");
        }
        intercepting = true;
        return "OK";
    }

    private String setIrqIn(final String[] w) throws Fail {
        arity(w, 4, 4, "set_irq_in ioapic unnamed-gpio-in PIN LEVEL");
        device(w[1]);
        if (!w[2].equals(UNNAMED_GPIO_IN)) {
            throw new Fail("ioapic has no gpio-in list '" + QtestArgs.printable(w[2]) + "'; use " + UNNAMED_GPIO_IN);
        }
        final int pin = QtestArgs.s32("pin", w[3]);
        final int level = QtestArgs.s32("level", w[4]);
        if (pin < 0 || pin >= ioapic.pins()) {
            throw new Fail("ioapic has no input pin " + pin + " (pins 0.." + (ioapic.pins() - 1) + ")");
        }
        final IrqWire wire = platform.wire(ioapic.gsiBase() + pin);
        if (wire == null) {
            throw new Fail("ioapic pin " + pin + " has no wire");
        }
        if (driverHandles[pin] < 0) {
            try {
                driverHandles[pin] = wire.attachDriver(DRIVER_NAME);
            } catch (final IllegalStateException e) {
                throw new Fail(QtestArgs.printable(e.getMessage()));
            }
        }
        // LEVEL is logical: the device asserts (non-zero) or releases (0) its output; the wire's
        // kind decides the electrical level, the RTE polarity whether the pin counts it as asserted
        wire.drive(driverHandles[pin], level != 0);
        return "OK";
    }

    private String selectCpu(final String[] w) throws Fail {
        arity(w, 0, 1, "irqsim_cpu [N]");
        if (w.length == 1) {
            return "OK " + cpu;
        }
        final int n = QtestArgs.s32("cpu", w[1]);
        if (n < 0 || n >= platform.cpuCount()) {
            throw new Fail("no CPU " + n + " (CPUs 0.." + (platform.cpuCount() - 1) + ")");
        }
        cpu = n;
        return "OK";
    }

    private String acknowledge(final String[] w) throws Fail {
        arity(w, 0, 0, "irqsim_ack");
        final LocalApic lapic = platform.lapic(cpu);
        final long spuriousBefore = lapic.spuriousCount();
        final int vector = lapic.acknowledge();
        if (vector == LocalApic.NO_INTERRUPT) {
            return "OK none";
        }
        return "OK " + hex2(vector) + (lapic.spuriousCount() != spuriousBefore ? " spurious" : "");
    }

    private String eoi(final String[] w) throws Fail {
        arity(w, 0, 0, "irqsim_eoi");
        final int vector = platform.lapic(cpu).eoi();
        return vector < 0 ? "OK none" : "OK " + hex2(vector);
    }

    // ---------------------------------------------------------------- IRQ notices

    private void notice(final int pin, final boolean raise) {
        if (noticeCount == notices.length) {
            notices = Arrays.copyOf(notices, noticeCount * 2);
        }
        notices[noticeCount++] = pin << 1 | (raise ? 1 : 0);
    }

    private void flushNotices() {
        for (int i = 0; i < noticeCount; i++) {
            final int n = notices[i];
            out.accept(((n & 1) != 0 ? "IRQ raise " : "IRQ lower ") + (n >>> 1));
        }
        noticeCount = 0;
    }

    /**
     * The trace the machine reports to: forwards every event downstream and, while interception is
     * on, turns the first IO-APIC's interrupt messages into {@code IRQ raise} notices and its pins'
     * deassertions into {@code IRQ lower} notices. Only queues them (the reply is written after the
     * command), never calls into the hardware.
     */
    private final class InterceptingTrace implements HwTrace {
        @Override
        public void event(final int event, final long a, final long b, final long c) {
            downstream.event(event, a, b, c);
            if (!intercepting || building) {
                return;
            }
            if (event == HwEvent.IOAPIC_DELIVER) {
                if (fromFirstIoApic(a)) {
                    notice((int) (a & 0xFF), true);
                }
            } else if (event == HwEvent.IOAPIC_PIN_LEVEL && c == 0 && fromFirstIoApic(a)) {
                notice((int) (a & 0xFF), false);
            }
        }

        private boolean fromFirstIoApic(final long a) {
            // events carry the IO-APIC's current ID (a guest can rewrite IOAPICID); id() is a plain getter
            return (int) (a >>> 8) == ioapic.id();
        }
    }

    // ---------------------------------------------------------------- formatting

    static String hex16(final long v) {
        final char[] c = new char[18];
        c[0] = '0';
        c[1] = 'x';
        for (int i = 0; i < 16; i++) {
            c[17 - i] = HEX[(int) (v >>> (4 * i)) & 0xF];
        }
        return new String(c);
    }

    private static String hex2(final int v) {
        return "0x" + HEX[(v >> 4) & 0xF] + HEX[v & 0xF];
    }
}
