package io.irqsim.hw.firmware;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PrtEntry}: one {@code _PRT} package (ACPI 6.5, section 6.2.13 "_PRT (PCI Routing
 * Table)", table "Mapping Fields"): Address (device in the high word, function 0xFFFF = all),
 * Pin (0..3 = INTA..INTD), Source (a link device name or 0 for a hard-wired GSI) and Source Index.
 */
class PrtEntryTest {

    // ACPI 6.5 6.2.13: "the high word is the device number and the low word is the function number ... 0xFFFF"
    @Test
    void addressHasTheDeviceInTheHighWordAndAllFunctionsInTheLow() {
        assertEquals(0x0003_FFFF, PrtEntry.toLink(3, 0, "LNKA").address());
        assertEquals(0x001E_FFFF, PrtEntry.toGsi(0x1e, 2, 22).address());
        assertEquals(0x0000_FFFF, PrtEntry.toGsi(0, 0, 16).address());
    }

    // ACPI 6.5 6.2.13: Source 0 means Source Index is the GSI the pin is hard-wired to
    @Test
    void hardWiredEntryCarriesTheGsiInSourceIndex() {
        final PrtEntry e = PrtEntry.toGsi(4, 0, 17);
        assertFalse(e.isLink());
        assertEquals("", e.source());
        assertEquals(17, e.sourceIndex());
        assertFalse(new PrtEntry(4, 0, null, 17).isLink(), "a null source means hard-wired");
    }

    // ACPI 6.5 6.2.13: Source names a link device, Source Index selects its resource
    @Test
    void linkEntryNamesTheLinkAtIndexZero() {
        final PrtEntry e = PrtEntry.toLink(3, 1, "LNKB");
        assertTrue(e.isLink());
        assertEquals("LNKB", e.source());
        assertEquals(0, e.sourceIndex());
        assertEquals(1, e.pin());
        assertEquals(3, e.device());
    }

    @Test
    void pinMustBeIntaToIntd() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrtEntry.toGsi(3, 4, 16));
        assertTrue(e.getMessage().contains("0..3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PrtEntry.toGsi(3, -1, 16));
        assertEquals(3, PrtEntry.toGsi(3, 3, 16).pin());
    }

    @Test
    void deviceMustBe0To31() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrtEntry.toGsi(32, 0, 16));
        assertTrue(e.getMessage().contains("0..31"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PrtEntry.toGsi(-1, 0, 16));
        assertEquals(31, PrtEntry.toGsi(31, 0, 16).device());
    }

    @Test
    void sourceIndexMustNotBeNegative() {
        assertThrows(IllegalArgumentException.class, () -> PrtEntry.toGsi(3, 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new PrtEntry(3, 0, "LNKA", -1));
    }
}
