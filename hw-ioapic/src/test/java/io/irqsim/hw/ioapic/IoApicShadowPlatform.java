package io.irqsim.hw.ioapic;

import io.irqsim.hw.apic.ApicBus;
import io.irqsim.hw.apic.LocalApic;
import io.irqsim.hw.apic.LocalApicRegisters;
import io.irqsim.hw.mmio.MmioBus;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.time.VirtualClock;
import io.irqsim.hw.trace.HwEvent;
import io.irqsim.hw.trace.HwTrace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One IO-APIC + ApicBus + two LAPICs driven by random operations and checked against a shadow
 * model (IoApic class comment, 82093AA 3.2, QEMU ioapic.c semantics as the oracle). Shared by the
 * seeded random-operation test ({@link IoApicLapicRandomOperationsTest}) and the coverage-guided
 * fuzz target ({@link IoApicLapicMmioFuzzTest}); both draw their operations through {@link Choices}.
 * Profiles: ICH (0x20) and 82093AA (0x11) with 24 and 48 pins, and the QEMU (0x20) and KVM (0x11)
 * logical-input profiles with their storm guard. Xen's vIO-APIC decodes accesses differently
 * (exact offsets, size ignored) and is pinned by {@code XenVioapicAccessTest} instead.
 *
 * <p>The shadow tracks every writable bit the operations wrote (byte lanes, 8-byte split,
 * IOREGSEL width) and predicts every read. Read-only bits may only move by the model's own rules,
 * checked against evidence from outside the IO-APIC: Remote IRR only rises when a LAPIC accepted
 * the entry's vector as a level interrupt, only falls with an EOI for its vector (APIC-bus message
 * or EOI-register write) or a write that made the entry edge, never sits on an edge entry;
 * delivery status never rises (no modelled implementation sets it: QEMU and KVM defer storms
 * without it). IOAPICVER never changes, reserved indexes read 0, and reset() restores 0x10000 in
 * every entry, IOREGSEL 0 and the initial ID. Deterministic: fixed seed, no edge-case mixing.
 */
final class IoApicShadowPlatform {

    static final long BASE = IoApicRig.BASE;

    private IoApicShadowPlatform() {
    }

    /** The models the operations run on: ICH and 82093AA with 24 and 48 pins, and Xen's vIO-APIC. */
    static final IoApicModel[] MODELS = {IoApicModel.ich(24), IoApicModel.ich(48), IoApicModel.i82093aa(24),
        IoApicModel.i82093aa(48), IoApicModel.qemu(24), IoApicModel.kvm(24)};

    /** Where operations draw their choices from: a seeded {@link java.util.Random} or a fuzzer's input. */
    interface Choices {
        /** @return an int in [lo, hi] */
        int between(int lo, int hi);

        /** @return any int */
        int anyInt();

        /** @return any long */
        long anyLong();

        /** @return true or false */
        default boolean bool() {
            return between(0, 1) == 1;
        }

        /** @return one of the values */
        default int oneOf(final int... values) {
            return values[between(0, values.length - 1)];
        }

        /** @return one of the values */
        default long oneOf(final long... values) {
            return values[between(0, values.length - 1)];
        }

        /**
         * @param weights relative weights
         * @return an index into weights, drawn with those frequencies
         */
        default int weighted(final int... weights) {
            int total = 0;
            for (final int w : weights) {
                total += w;
            }
            int pick = between(0, total - 1);
            for (int i = 0; i < weights.length; i++) {
                pick -= weights[i];
                if (pick < 0) {
                    return i;
                }
            }
            return weights.length - 1;
        }
    }

    /** Run-wide counts of the states the invariants are about, to show the run reached them. */
    static final class Counters {
        long operations;
        long remoteIrrRises;
        long remoteIrrEoiClears;
        long remoteIrrEdgeClears;
        long readsPredicted;
        long maskedEdges;
        long acknowledged;
    }

    // ---------------------------------------------------------------- operations

    /** One random operation. */
    sealed interface Op permits Mmio, Kernel, Line, Ack, LapicEoi, Tpr, Svr, EoiRegister, Advance {
    }

    /** A raw MMIO access at BASE + offset. */
    record Mmio(boolean write, int offset, int size, long value) implements Op {
    }

    /** IOREGSEL = index then IOWIN read or write, both 4-byte (a kernel's access). */
    record Kernel(boolean write, int index, int value) implements Op {
    }

    /** Drive pin (mod pin count) to a level. */
    record Line(int pin, boolean high) implements Op {
    }

    /** The CPU's INTA cycle. */
    record Ack(int cpu) implements Op {
    }

    /** The handler's EOI: LAPIC MMIO write to 0xB0. */
    record LapicEoi(int cpu) implements Op {
    }

    /** LAPIC TPR write. */
    record Tpr(int cpu, int value) implements Op {
    }

    /** LAPIC SVR write (enable, disable, directed EOI). */
    record Svr(int cpu, int value) implements Op {
    }

    /** 4-byte write of a vector to the IO-APIC EOI register. */
    record EoiRegister(int vector) implements Op {
    }

    /** Advance the virtual clock. */
    record Advance(long ns) implements Op {
    }

    // ---------------------------------------------------------------- generators

    /**
     * @param c choices
     * @return one operation: MMIO, kernel pairs and pin changes most often, then INTA/EOI, then
     *     TPR/SVR writes, EOI-register writes and clock advances
     */
    static Op nextOp(final Choices c) {
        switch (c.weighted(20, 18, 22, 10, 10, 2, 1, 5, 3)) {
            case 0:
                return mmio(c);
            case 1:
                return kernel(c);
            case 2:
                return new Line(c.weighted(3, 1) == 0 ? c.between(0, 3) : c.between(0, 47), c.bool());
            case 3:
                return new Ack(c.between(0, 1));
            case 4:
                return new LapicEoi(c.between(0, 1));
            case 5:
                return new Tpr(c.between(0, 1), c.between(0, 0xFF));
            case 6:
                return new Svr(c.between(0, 1), c.oneOf(0x1FF, 0xFF, 0x11FF, 0x1E7));
            case 7:
                return new EoiRegister(vector(c));
            default:
                return new Advance(c.bool()
                    ? c.oneOf(0L, 1L, 1_000L, 1_000_000L, IoApic.STORM_DEFER_NS)
                    : c.between(0, (int) (2 * IoApic.STORM_DEFER_NS)));
        }
    }

    private static int vector(final Choices c) {
        switch (c.weighted(6, 1, 1)) {
            case 0:
                return c.oneOf(0x30, 0x31, 0x40, 0x41, 0x90);
            case 1:
                return c.oneOf(0x05, 0x00);
            default:
                return c.between(0, 0xFF);
        }
    }

    private static Mmio mmio(final Choices c) {
        final boolean write = c.bool();
        final int offset = c.weighted(6, 4) == 0
            ? c.oneOf(0x00, 0x01, 0x02, 0x03, 0x10, 0x11, 0x12, 0x13, 0x14, 0x18, 0x40, 0x41, 0x42, 0x44, 0x20,
                0x08, 0xFC, 0xF8)
            : c.between(0, 0x11F);
        final int size = c.weighted(5, 1) == 0 ? c.oneOf(1, 2, 4, 8) : c.oneOf(3, 16);
        final long value;
        switch (c.between(0, 3)) {
            case 0:
                value = c.between(0, 0x80);
                break;
            case 1:
                value = rteLow(c) & 0xFFFF_FFFFL;
                break;
            case 2:
                value = rteHigh(c) & 0xFFFF_FFFFL;
                break;
            default:
                value = c.anyLong();
                break;
        }
        return new Mmio(write, offset, size, value);
    }

    private static Kernel kernel(final Choices c) {
        final boolean write = c.between(0, 2) != 0;
        final int index;
        switch (c.weighted(2, 8, 4, 1, 1)) {
            case 0:
                index = c.between(0, 0x0F);
                break;
            case 1:
                index = c.between(0x10, 0x17); // pins 0..3: where the lines move most
                break;
            case 2:
                index = c.between(0x10, 0x10 + 2 * 48 + 1);
                break;
            case 3:
                index = c.between(0x70, 0x1FF);
                break;
            default:
                index = c.anyInt();
                break;
        }
        final int pick = c.between(0, 2);
        final int value = pick == 0 ? rteLow(c) : pick == 1 ? rteHigh(c) : c.anyInt();
        return new Kernel(write, index, value);
    }

    /** A plausible low dword: mostly valid vectors and modes, any trigger/polarity/mask, stray RO and reserved bits. */
    private static int rteLow(final Choices c) {
        final int v = vector(c);
        final int m;
        switch (c.weighted(8, 3, 2)) {
            case 0:
                m = Rte.DM_FIXED;
                break;
            case 1:
                m = Rte.DM_LOWEST_PRIORITY;
                break;
            default:
                m = c.oneOf(Rte.DM_SMI, Rte.DM_NMI, Rte.DM_INIT, Rte.DM_EXTINT, 3, 6);
                break;
        }
        final int f = c.between(0, 0x1F); // dstm, dlvs, pol, rirr, trig
        final boolean masked = c.between(0, 2) == 0;
        final int x = c.weighted(4, 1) == 0 ? 0 : c.between(0, 0x7FFF);
        return v | m << 8 | f << 11 | (masked ? 1 << 16 : 0) | x << 17;
    }

    /** A plausible high dword: destination 0, 1, both (logical 3), broadcast, or anything. */
    private static int rteHigh(final Choices c) {
        return c.weighted(6, 1) == 0 ? c.oneOf(0x00, 0x01, 0x03, 0xFF) << 24 : c.anyInt();
    }

    // ---------------------------------------------------------------- the platform and its shadow

    /**
     * Per-operation record of the evidence a read-only bit may change on: what the LAPICs accepted
     * and which EOI messages crossed the APIC bus (reported by the LAPICs and the bus, not by the
     * IO-APIC under test).
     */
    static final class FuzzTrace implements HwTrace {
        /** Vectors a LAPIC accepted as level-triggered during the operation. */
        final boolean[] levelAccepted = new boolean[256];
        /** Vectors of EOI messages on the APIC bus during the operation. */
        final boolean[] busEoi = new boolean[256];

        @Override
        public void event(final int event, final long a, final long b, final long c) {
            switch (event) {
                case HwEvent.LAPIC_ACCEPT:
                    if (c == 1) {
                        levelAccepted[(int) (b & 0xFF)] = true;
                    }
                    break;
                case HwEvent.APIC_BUS_EOI:
                    busEoi[(int) (a & 0xFF)] = true;
                    break;
                default:
                    break;
            }
        }

        void clear(final int pins) {
            java.util.Arrays.fill(levelAccepted, false);
            java.util.Arrays.fill(busEoi, false);
        }
    }

    static final class Platform {
        final Counters counters;
        final IoApicModel model;
        final int pins;
        final int initialId;
        final int version;
        final long selMask;
        final FuzzTrace trace = new FuzzTrace();
        final VirtualClock clock = new VirtualClock();
        final ApicBus apicBus = new ApicBus(trace);
        final IoApic ioapic;
        final MmioBus bus = new MmioBus(trace);
        final LocalApic[] lapics = new LocalApic[2];
        final MmioBus[] cpuBus = new MmioBus[2];

        // shadow of everything software can write
        final long[] shadowRte;
        long shadowSel;
        int shadowId;
        final long[] before;
        /** Pins whose entry this operation wrote (per the shadow's decoding of the accesses). */
        final boolean[] wrotePin;
        /** Vectors this operation wrote to the EOI register (per the shadow's decoding). */
        final boolean[] eoiRegisterVector = new boolean[256];

        Platform(final IoApicModel model, final int initialId, final Counters counters) {
            this.counters = counters;
            this.model = model;
            this.pins = model.pins();
            this.initialId = initialId;
            this.version = model.version() | (pins - 1) << 16;
            this.selMask = model.ioregselBits() == 32 ? 0xFFFF_FFFFL : 0xFFL;
            ioapic = new IoApic("fuzz", model, initialId, 0, apicBus, clock, trace);
            bus.map(BASE, IoApicRegisters.WINDOW_SIZE, ioapic);
            apicBus.addEoiListener(ioapic);
            for (int cpu = 0; cpu < 2; cpu++) {
                lapics[cpu] = new LocalApic(cpu, cpu, cpu == 1, trace);
                apicBus.attach(lapics[cpu]);
                lapics[cpu].setExtIntSource(() -> 0x20);
                cpuBus[cpu] = new MmioBus(trace);
                cpuBus[cpu].map(LocalApicRegisters.DEFAULT_BASE, LocalApicRegisters.PAGE_SIZE, lapics[cpu]);
                lapicWrite(cpu, LocalApicRegisters.SVR, 0x1FF);
                lapicWrite(cpu, LocalApicRegisters.LDR, (1 << cpu) << 24);
            }
            shadowRte = new long[pins];
            before = new long[pins];
            wrotePin = new boolean[pins];
            for (int pin = 0; pin < pins; pin++) {
                shadowRte[pin] = Rte.RESET;
            }
            shadowId = initialId;
        }

        void lapicWrite(final int cpu, final int reg, final int value) {
            cpuBus[cpu].write(LocalApicRegisters.DEFAULT_BASE + reg, 4, value & 0xFFFF_FFFFL);
        }

        // ------------------------------------------------------------ driving

        void apply(final Op op, final int step) {
            for (int pin = 0; pin < pins; pin++) {
                before[pin] = ioapic.rte(pin);
            }
            trace.clear(pins);
            java.util.Arrays.fill(wrotePin, false);
            java.util.Arrays.fill(eoiRegisterVector, false);
            if (op instanceof Mmio m) {
                if (m.write()) {
                    shadowWrite(m.offset(), m.size(), m.value());
                    bus.write(BASE + m.offset(), m.size(), m.value());
                } else {
                    final long expected = expectedRead(m.offset(), m.size());
                    assertEquals(expected, bus.read(BASE + m.offset(), m.size()),
                        () -> "step " + step + ": " + m);
                    counters.readsPredicted++;
                }
            } else if (op instanceof Kernel k) {
                shadowWrite(IoApicRegisters.IOREGSEL, 4, k.index() & 0xFFFF_FFFFL);
                bus.write(BASE + IoApicRegisters.IOREGSEL, 4, k.index() & 0xFFFF_FFFFL);
                if (k.write()) {
                    shadowWrite(IoApicRegisters.IOWIN, 4, k.value() & 0xFFFF_FFFFL);
                    bus.write(BASE + IoApicRegisters.IOWIN, 4, k.value() & 0xFFFF_FFFFL);
                } else {
                    final long expected = expectedRead(IoApicRegisters.IOWIN, 4);
                    assertEquals(expected, bus.read(BASE + IoApicRegisters.IOWIN, 4), () -> "step " + step + ": " + k);
                    counters.readsPredicted++;
                }
            } else if (op instanceof Line l) {
                ioapic.setInput(l.pin() % pins, l.high());
            } else if (op instanceof Ack a) {
                lapics[a.cpu()].acknowledge();
            } else if (op instanceof LapicEoi e) {
                lapicWrite(e.cpu(), LocalApicRegisters.EOI, 0);
            } else if (op instanceof Tpr t) {
                lapicWrite(t.cpu(), LocalApicRegisters.TPR, t.value());
            } else if (op instanceof Svr s) {
                lapicWrite(s.cpu(), LocalApicRegisters.SVR, s.value());
            } else if (op instanceof EoiRegister r) {
                shadowWrite(IoApicRegisters.EOIR, 4, r.vector());
                bus.write(BASE + IoApicRegisters.EOIR, 4, r.vector());
            } else if (op instanceof Advance adv) {
                clock.advanceBy(adv.ns());
            }
            check(op, step);
            if (step % 64 == 63) {
                probeLikeAKernel(step);
            }
        }

        // ------------------------------------------------------------ the shadow model

        /** The 32-bit register IOWIN would show for an index, predicted from the shadow. */
        long expectedRegister(final long index) {
            if (index == IoApicRegisters.REG_ID || index == IoApicRegisters.REG_ARB) {
                return (long) shadowId << 24;
            }
            if (index == IoApicRegisters.REG_VER) {
                return version & 0xFFFF_FFFFL;
            }
            final long rel = index - IoApicRegisters.REDTBL_BASE;
            if (rel < 0 || rel >= 2L * pins) {
                return 0;
            }
            final int pin = (int) (rel >> 1);
            final long full = shadowRte[pin] | (ioapic.rte(pin) & Rte.RO_BITS);
            return (rel & 1) == 0 ? full & 0xFFFF_FFFFL : full >>> 32;
        }

        long expectedDword(final int offset, final int size) {
            final int dword = offset & ~3;
            final int shift = (offset & 3) * 8;
            final long mask = MmioDevice.allOnes(size);
            if (dword == IoApicRegisters.IOREGSEL) {
                return (shadowSel >>> shift) & mask;
            }
            if (dword == IoApicRegisters.IOWIN) {
                return (expectedRegister(shadowSel) >>> shift) & mask;
            }
            return 0;
        }

        long expectedRead(final int offset, final int size) {
            if (MmioDevice.sizeBit(size) == 0) {
                return -1L; // invalid size: all 64 bits, mapped (rejected) or not (unmapped)
            }
            if (offset >= IoApicRegisters.WINDOW_SIZE || offset % size != 0) {
                return MmioDevice.allOnes(size); // unmapped or misaligned
            }
            if (size == 8) {
                return expectedDword(offset, 4) | expectedDword(offset + 4, 4) << 32;
            }
            return expectedDword(offset, size);
        }

        void shadowWrite(final int offset, final int size, final long value) {
            if (MmioDevice.sizeBit(size) == 0 || offset >= IoApicRegisters.WINDOW_SIZE || offset % size != 0) {
                return; // the bus drops it
            }
            final long v = value & MmioDevice.allOnes(size);
            if (size == 8) {
                shadowDword(offset, 4, v & 0xFFFF_FFFFL);
                shadowDword(offset + 4, 4, v >>> 32);
            } else {
                shadowDword(offset, size, v);
            }
        }

        void shadowDword(final int offset, final int size, final long value) {
            final int dword = offset & ~3;
            final int shift = (offset & 3) * 8;
            final long lanes = MmioDevice.allOnes(size) << shift;
            if (dword == IoApicRegisters.IOREGSEL) {
                shadowSel = ((shadowSel & ~lanes) | ((value << shift) & lanes)) & selMask;
            } else if (dword == IoApicRegisters.EOIR) {
                if (model.hasEoiRegister() && shift == 0) {
                    eoiRegisterVector[(int) (value & 0xFF)] = true;
                }
            } else if (dword == IoApicRegisters.IOWIN) {
                final long merged = ((expectedRegister(shadowSel) & ~lanes) | ((value << shift) & lanes)) & 0xFFFF_FFFFL;
                final long index = shadowSel;
                if (index == IoApicRegisters.REG_ID) {
                    shadowId = (int) (merged >>> 24) & 0xF;
                    return;
                }
                final long rel = index - IoApicRegisters.REDTBL_BASE;
                if (rel < 0 || rel >= 2L * pins) {
                    return;
                }
                final int pin = (int) (rel >> 1);
                wrotePin[pin] = true;
                if ((rel & 1) == 0) {
                    shadowRte[pin] = (shadowRte[pin] & 0xFFFF_FFFF_0000_0000L) | (merged & ~Rte.RO_BITS);
                } else {
                    shadowRte[pin] = (shadowRte[pin] & 0xFFFF_FFFFL) | merged << 32;
                }
            }
        }

        // ------------------------------------------------------------ invariants

        void check(final Op op, final int step) {
            assertEquals(shadowSel, ioapic.ioregsel() & 0xFFFF_FFFFL, () -> "IOREGSEL at step " + step + " " + op);
            assertEquals(shadowId, ioapic.id(), () -> "ID at step " + step + " " + op);
            for (int pin = 0; pin < pins; pin++) {
                final long now = ioapic.rte(pin);
                final long was = before[pin];
                final int p = pin;
                if ((now & ~Rte.RO_BITS) != shadowRte[pin]) {
                    throw new AssertionError(String.format("step %d %s: pin %d writable bits %016x, written %016x",
                        step, op, p, now & ~Rte.RO_BITS, shadowRte[pin]));
                }
                if (Rte.remoteIrr(now)) {
                    assertTrue(Rte.isLevel(now), () -> "step " + step + ": Remote IRR on an edge entry, pin " + p);
                }
                final int vecWas = Rte.vector(was);
                final boolean eoiForPin = trace.busEoi[vecWas] || eoiRegisterVector[vecWas];
                if (!Rte.remoteIrr(was) && Rte.remoteIrr(now)) {
                    assertTrue(trace.levelAccepted[Rte.vector(now)],
                        () -> "step " + step + " " + op + ": Remote IRR rose on pin " + p
                            + " but no LAPIC accepted its vector as level");
                    counters.remoteIrrRises++;
                }
                if (Rte.remoteIrr(was) && !Rte.remoteIrr(now)) {
                    final boolean edgeSwitch = wrotePin[pin] && !Rte.isLevel(shadowRte[pin]);
                    assertTrue(eoiForPin || edgeSwitch,
                        () -> "step " + step + " " + op + ": Remote IRR fell on pin " + p
                            + " without an EOI for its vector or a write making it edge");
                    if (edgeSwitch) {
                        counters.remoteIrrEdgeClears++;
                    } else {
                        counters.remoteIrrEoiClears++;
                    }
                }
                if (Rte.isDeliveryPending(now)) {
                    throw new AssertionError("step " + step + " " + op + ": delivery status set on pin " + p);
                }
            }
            assertEquals(version, ioapic.readIndirect(IoApicRegisters.REG_VER), "IOAPICVER never changes");
            for (final LocalApic l : lapics) {
                final int isrv = Math.max(l.highestInService(), 0);
                final int tpr = l.tpr();
                assertEquals((tpr & 0xF0) >= (isrv & 0xF0) ? tpr : isrv & 0xF0, l.ppr(), "SDM 10.8.3.1 PPR");
            }
        }

        /** IOREGSEL/IOWIN reads of VER, ARB and every reserved index, then IOREGSEL restored. */
        void probeLikeAKernel(final int step) {
            final long saved = shadowSel;
            assertEquals(version & 0xFFFF_FFFFL, kernelRead(IoApicRegisters.REG_VER), () -> "VER at step " + step);
            assertEquals((long) shadowId << 24, kernelRead(IoApicRegisters.REG_ARB), () -> "ARB at step " + step);
            assertEquals((long) shadowId << 24, kernelRead(IoApicRegisters.REG_ID), () -> "ID at step " + step);
            for (int index = 0x03; index <= 0x0F; index++) {
                final int i = index;
                assertEquals(0, kernelRead(index), () -> "reserved index 0x" + Integer.toHexString(i) + " at step " + step);
            }
            assertEquals(0, kernelRead(IoApicRegisters.redtblLow(pins)), "first index past the table");
            bus.write(BASE + IoApicRegisters.IOREGSEL, 4, saved);
            assertEquals(saved, bus.read(BASE + IoApicRegisters.IOREGSEL, 4));
        }

        long kernelRead(final int index) {
            bus.write(BASE + IoApicRegisters.IOREGSEL, 4, index);
            return bus.read(BASE + IoApicRegisters.IOWIN, 4);
        }

        /**
         * Ends a run: adds its operation, masked-edge and acknowledge counts to the counters, then
         * checks that reset restores the power-on state.
         *
         * @param operations how many operations the run applied
         */
        void finish(final long operations) {
            counters.operations += operations;
            counters.maskedEdges += ioapic.maskedEdgesDropped();
            counters.acknowledged += lapics[0].acknowledgedCount() + lapics[1].acknowledgedCount();
            checkResetRestoresPowerOnState();
        }

        void checkResetRestoresPowerOnState() {
            ioapic.reset();
            assertEquals(0, ioapic.ioregsel());
            assertEquals(0, bus.read(BASE + IoApicRegisters.IOREGSEL, 4), "IOREGSEL 0 after reset");
            assertEquals((long) initialId << 24, kernelRead(IoApicRegisters.REG_ID), "initial ID after reset");
            assertEquals(version & 0xFFFF_FFFFL, kernelRead(IoApicRegisters.REG_VER));
            for (int pin = 0; pin < pins; pin++) {
                final long low = kernelRead(IoApicRegisters.redtblLow(pin));
                final long high = kernelRead(IoApicRegisters.redtblHigh(pin));
                assertEquals(0x10000L, high << 32 | low, "pin " + pin + " after reset");
                assertEquals(Rte.RESET, ioapic.rte(pin));
            }
            assertEquals(0, clock.armedTimers(), "no storm deferral survives reset");
        }
    }
}
