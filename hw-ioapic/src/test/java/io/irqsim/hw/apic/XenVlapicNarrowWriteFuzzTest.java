package io.irqsim.hw.apic;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.irqsim.hw.ioapic.Rte;
import io.irqsim.hw.mmio.MmioDevice;
import io.irqsim.hw.trace.HwTrace;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Differential fuzzing of Xen's vLAPIC page ({@link LocalApicModel#XEN_VLAPIC}): the fuzzer's input
 * is a sequence of MMIO accesses of any size at any offset of the 4 KiB page, plus interrupts
 * accepted and acknowledged. A twin vLAPIC gets the same sequence with every access that
 * {@code vlapic_mmio_write} (xen/arch/x86/hvm/vlapic.c@RELEASE-4.20.0) would take turned into the
 * whole 4-byte write it amounts to: the test merges the bytes into the twin's register itself, and
 * drops what Xen drops. After every step both must read the same at every register and have sent the
 * same IPIs and EOIs. Reads of anything but a register's first four bytes must be 0.
 */
class XenVlapicNarrowWriteFuzzTest {

    private static final int MAX_OPS = 500;
    private static final int TDCR = LocalApicRegisters.TIMER_DIVIDE;

    /** One vLAPIC and what it sent. */
    private static final class Side {
        final List<Long> sent = new ArrayList<>();
        final LocalApic lapic = new LocalApic(0, 0, false, HwTrace.NONE, LocalApicModel.XEN_VLAPIC);

        Side() {
            lapic.connect(v -> sent.add(0x100L | v), (from, vector, mode, logical, dest, shorthand) -> {
                sent.add(((long) shorthand << 32) | ((long) dest << 16) | ((long) mode << 8) | vector);
                return 1;
            });
        }
    }

    @FuzzTest(maxDuration = "5m")
    void narrowWritesActAsTheWholeRegisterWriteTheyMerge(final FuzzedDataProvider data) {
        final Side fuzzed = new Side();
        final Side twin = new Side();
        for (int op = 0; op < MAX_OPS && data.remainingBytes() > 0; op++) {
            switch (data.consumeInt(0, 3)) {
                case 0 -> {
                    final int vector = data.consumeInt(0, 255);
                    final int mode = data.pickValue(new int[] {Rte.DM_FIXED, Rte.DM_LOWEST_PRIORITY, Rte.DM_NMI});
                    final boolean level = data.consumeBoolean();
                    assertEquals(twin.lapic.accept(vector, mode, level), fuzzed.lapic.accept(vector, mode, level));
                }
                case 1 -> assertEquals(twin.lapic.acknowledge(), fuzzed.lapic.acknowledge());
                case 2 -> {
                    final int offset = data.consumeInt(0, (int) LocalApicRegisters.PAGE_SIZE - 1);
                    final int size = data.pickValue(new int[] {1, 2, 4, 8});
                    final long read = fuzzed.lapic.read(offset, size);
                    if ((offset & 0xF) + size > 4) {
                        assertEquals(0, read, "outside a register's first four bytes");
                    } else {
                        assertEquals(twin.lapic.read(offset, size), read);
                    }
                }
                default -> {
                    final int offset = data.consumeInt(0, (int) LocalApicRegisters.PAGE_SIZE - 1);
                    final int size = data.pickValue(new int[] {1, 2, 4, 8});
                    final long value = data.consumeLong() & MmioDevice.allOnes(size);
                    fuzzed.lapic.write(offset, size, value);
                    final int slotByte = offset & 0xF;
                    final int reg = offset & ~0xF;
                    if (slotByte + size <= 4 && reg <= TDCR) {
                        final long old = twin.lapic.readRegister(reg) & 0xFFFF_FFFFL;
                        final long lanes = MmioDevice.allOnes(size) << (8 * slotByte);
                        twin.lapic.writeRegister(reg, (int) ((old & ~lanes) | ((value << (8 * slotByte)) & lanes)));
                    }
                }
            }
            for (int reg = 0; reg <= TDCR; reg += 0x10) {
                assertEquals(twin.lapic.readRegister(reg), fuzzed.lapic.readRegister(reg), "register 0x" + Integer.toHexString(reg));
            }
            assertEquals(twin.sent, fuzzed.sent, "IPIs and EOI messages");
        }
    }
}
