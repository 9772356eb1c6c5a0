package io.irqsim.hw.firmware.acpi;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random and truncated AML never escapes the interpreter: loading it, evaluating every method in
 * it and reading PCI routing from it end normally or with warnings, never with an exception. A
 * seeded plain-JUnit walk (deterministic), over random bytes, truncations and byte flips of the
 * iasl-compiled fixtures.
 */
class AmlRobustnessTest {

    private static final long SEED = 0x1A5C_2026L;

    static AcpiTable withBody(final byte[] body, final int revision) {
        final byte[] t = AcpiDumpReaderTest.table("DSDT", 36 + body.length, body);
        t[8] = (byte) revision;
        return new AcpiTable("DSDT", t);
    }

    static void survives(final AcpiTable t, final String what) {
        try {
            final AmlInterpreter aml = new AmlInterpreter(Map.of());
            aml.load(t);
            aml.namespace().walk(n -> {
                if (n.object() instanceof AmlObject.Method m) {
                    final AmlObject[] args = new AmlObject[m.argCount()];
                    java.util.Arrays.fill(args, new AmlObject.Int(1));
                    try {
                        aml.evaluate(n, args);
                    } catch (AmlException expected) {
                        // a clear error is fine: it names table and offset
                        assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
                    }
                }
            });
            PciRoutingReader.read(aml);
        } catch (AmlException e) {
            fail(what + ": an AmlException escaped load/read: " + e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            fail(what + ": " + e, e);
        }
    }

    @Test
    void randomBytesNeverEscape() {
        final Random r = new Random(SEED);
        for (int i = 0; i < 3000; i++) {
            final byte[] body = new byte[1 + r.nextInt(200)];
            r.nextBytes(body);
            survives(withBody(body, r.nextInt(3)), "random body #" + i);
        }
    }

    @Test
    void randomOpcodeSoupNeverEscapes() {
        final Random r = new Random(SEED + 1);
        final int[] ops = {0x00, 0x01, 0x0A, 0x0B, 0x0C, 0x0D, 0x10, 0x11, 0x12, 0x13, 0x14, 0x5B, 0x60, 0x68, 0x70,
            0x72, 0x75, 0x78, 0x83, 0x86, 0x88, 0x8A, 0x93, 0xA0, 0xA1, 0xA2, 0xA4, 0xA5, 0x5C, 0x5E, 0x2E, 0x2F, 'A',
            '_', 0xFF, 0x80, 0x82, 0x81};
        for (int i = 0; i < 3000; i++) {
            final byte[] body = new byte[1 + r.nextInt(120)];
            for (int j = 0; j < body.length; j++) {
                body[j] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : ops[r.nextInt(ops.length)]);
            }
            survives(withBody(body, 2), "opcode soup #" + i);
        }
    }

    @Test
    void truncatedAndFlippedFixturesNeverEscape() {
        final Random r = new Random(SEED + 2);
        for (final String name : new String[] {"routing", "semantics", "ssdt-bridge"}) {
            final byte[] whole = Fixtures.aml(name).bytes();
            for (int cut = 36; cut < whole.length; cut += 3) {
                final byte[] body = java.util.Arrays.copyOfRange(whole, 36, cut);
                survives(withBody(body, 2), name + " cut at " + cut);
            }
            for (int i = 0; i < 400; i++) {
                final byte[] body = java.util.Arrays.copyOfRange(whole, 36, whole.length);
                for (int k = 0; k < 1 + r.nextInt(4); k++) {
                    body[r.nextInt(body.length)] = (byte) r.nextInt(256);
                }
                survives(withBody(body, 2), name + " flip #" + i);
            }
        }
    }

    @Test
    void aWhileLoopWaitingForHardwareEnds() {
        // Method (WAIT) { While (One) { } }: 14 08 'WAIT' 00 A2 02 01
        final byte[] body = {0x14, 0x09, 'W', 'A', 'I', 'T', 0x00, (byte) 0xA2, 0x02, 0x01};
        final AmlInterpreter aml = new AmlInterpreter(Map.of());
        aml.load(withBody(body, 2));
        try {
            aml.evaluate("\\WAIT");
            fail("an endless loop returned");
        } catch (AmlException e) {
            assertTrue(e.getMessage().contains("While loop ran"), e.getMessage());
        }
    }
}
