package io.irqsim.dm.qtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class QtestArgsTest {

    @Test
    void unsignedBaseZero() throws Exception {
        assertEquals(0, QtestArgs.u64("x", "0"));
        assertEquals(0, QtestArgs.u64("x", "00"));
        assertEquals(0, QtestArgs.u64("x", "0x0"));
        assertEquals(10, QtestArgs.u64("x", "10"));
        assertEquals(8, QtestArgs.u64("x", "010"));
        assertEquals(0xABCDEF, QtestArgs.u64("x", "0XabCDef"));
        assertEquals(-1L, QtestArgs.u64("x", "18446744073709551615"));
        assertEquals(-1L, QtestArgs.u64("x", "0xffffffffffffffff"));
        assertEquals(-1L, QtestArgs.u64("x", "01777777777777777777777"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "+1", "0x", "x1", "1x", "08", "0b1", "1.0", " 1", "\u0661",
        "18446744073709551616", "0x10000000000000000", "02000000000000000000000"})
    void unsignedRejects(final String word) {
        assertThrows(QtestArgs.Fail.class, () -> QtestArgs.u64("x", word));
    }

    @Test
    void signed() throws Exception {
        assertEquals(-16, QtestArgs.s64("x", "-0x10"));
        assertEquals(5, QtestArgs.s64("x", "+5"));
        assertEquals(Long.MAX_VALUE, QtestArgs.s64("x", "9223372036854775807"));
        assertEquals(Long.MIN_VALUE, QtestArgs.s64("x", "-9223372036854775808"));
        assertThrows(QtestArgs.Fail.class, () -> QtestArgs.s64("x", "9223372036854775808"));
        assertThrows(QtestArgs.Fail.class, () -> QtestArgs.s64("x", "-9223372036854775809"));
        assertThrows(QtestArgs.Fail.class, () -> QtestArgs.s64("x", "--1"));
        assertThrows(QtestArgs.Fail.class, () -> QtestArgs.s64("x", "-"));
        assertEquals(Integer.MIN_VALUE, QtestArgs.s32("x", "-2147483648"));
        assertThrows(QtestArgs.Fail.class, () -> QtestArgs.s32("x", "2147483648"));
    }

    @Test
    void printable() {
        assertEquals("a?b", QtestArgs.printable("a\tb"));
        assertEquals("x".repeat(40) + "...", QtestArgs.printable("x".repeat(41)));
    }
}
