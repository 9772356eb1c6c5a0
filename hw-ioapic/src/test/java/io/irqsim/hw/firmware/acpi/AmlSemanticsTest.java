package io.irqsim.hw.firmware.acpi;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The interpreter against semantics.asl: each method's result is the one ACPICA's
 * {@code acpiexec} (20200925) returns for the same AML, e.g.
 * {@code acpiexec -di -b 'evaluate \ARIT' semantics.aml}.
 */
class AmlSemanticsTest {

    private AmlInterpreter aml;

    @BeforeEach
    void load() {
        aml = new AmlInterpreter(Map.of());
        aml.load(Fixtures.aml("semantics"));
        assertTrue(aml.warnings().isEmpty(), aml.warnings().toString());
    }

    private long integer(final String path, final AmlObject... args) {
        return ((AmlObject.Int) aml.evaluate(path, args)).value();
    }

    private String string(final String path, final AmlObject... args) {
        return ((AmlObject.Str) aml.evaluate(path, args)).value();
    }

    @Test
    void arithmeticDivideWritesQuotientAndRemainder() {
        assertEquals(0x845, integer("\\ARIT"));
    }

    @Test
    void logicalOperatorsAndStringCompare() {
        assertEquals(0x0D, integer("\\LOGI"));
    }

    @Test
    void whileWithBreakAndContinue() {
        assertEquals(18, integer("\\LOOP", new AmlObject.Int(10)));
    }

    @Test
    void switchCompiledByIaslChoosesTheCase() {
        assertEquals("one", string("\\SWIT", new AmlObject.Int(1)));
        assertEquals("two or three", string("\\SWIT", new AmlObject.Int(3)));
        assertEquals("other", string("\\SWIT", new AmlObject.Int(9)));
    }

    @Test
    void recursiveMethodCalls() {
        assertEquals(120, integer("\\RECU", new AmlObject.Int(5)));
    }

    @Test
    void bufferFieldsWriteIntoTheBuffer() {
        final AmlObject.Buf b = (AmlObject.Buf) aml.evaluate("\\BUFS");
        assertArrayEquals(new byte[] {0x78, 0x56, 0x34, 0x12, (byte) 0xCD, (byte) 0xAB, (byte) 0xEF, (byte) 0x80}, b.data());
    }

    @Test
    void methodLocalNameIsGoneAfterReturn() {
        aml.evaluate("\\BUFS");
        assertEquals(null, aml.namespace().find("\\BUFS.BUF0"));
        aml.evaluate("\\BUFS"); // and can be created again
    }

    @Test
    void packagesIndexDerefOfSizeOfMatch() {
        assertEquals(0x3532, integer("\\PKGS"));
    }

    @Test
    void concatenateMidToHexString() {
        assertEquals("cde-000000000000001F", string("\\STRS"));
    }

    @Test
    void toIntegerAndFindSetBits() {
        assertEquals(0x04030231, integer("\\CONV"));
    }

    @Test
    void refOfDerefOfAliasObjectTypeCondRefOf() {
        assertEquals(0x5721, integer("\\REFS"));
        assertEquals(7, integer("\\GINT"));
    }

    @Test
    void storeToAnArgHoldingAReferenceWritesTheReferencedObject() {
        assertEquals(0x42, integer("\\ARGR"));
    }

    @Test
    void varPackageSizedByAnArgument() {
        assertEquals(7, integer("\\VPKG", new AmlObject.Int(7)));
    }

    @Test
    void osiAnswersWindowsVersionsButNotLinux() {
        assertEquals(1, integer("\\OSIQ"));
    }

    @Test
    void integersAre64BitsInARevision2Table() {
        assertEquals(-1L, integer("\\NOTE"));
    }
}
