package io.irqsim.hw.pci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Bdf}: PCI addresses as Linux prints them ({@code pci_name()}, "%04x:%02x:%02x.%d") and
 * the SBDF / devfn encoding of Linux {@code PCI_DEVFN} and Xen {@code PCI_SBDF}.
 */
class BdfTest {

    // Linux pci_name / Xen %pp: BB:DD.F in lower-case hex, two digits for bus and device
    @Test
    void formatsAsTwoHexDigitsBusAndDeviceAndOneForFunction() {
        assertEquals("00:03.0", new Bdf(0, 3, 0).toString());
        assertEquals("00:1e.0", new Bdf(0, 0x1e, 0).toString());
        assertEquals("ff:1f.7", new Bdf(0xFF, 0x1F, 7).toString());
    }

    @Test
    void parsesShortAndSegmentQualifiedForms() {
        assertEquals(new Bdf(0, 3, 0), Bdf.parse("00:03.0"));
        assertEquals(new Bdf(1, 2, 0), Bdf.parse("0000:01:02.0"));
        assertEquals(new Bdf(0, 0x1e, 0), Bdf.parse("00:1E.0"), "hex digits are case-insensitive");
        assertEquals(new Bdf(0xab, 0x1f, 7), Bdf.parse(" ab:1f.7 "), "surrounding blanks are ignored");
    }

    @Test
    void parseFormatRoundTripsForEveryDeviceAndFunction() {
        for (final int bus : new int[] {0, 1, 0x7f, 0xff}) {
            for (int dev = 0; dev < 32; dev++) {
                for (int fn = 0; fn < 8; fn++) {
                    final Bdf b = new Bdf(bus, dev, fn);
                    assertEquals(b, Bdf.parse(b.toString()));
                }
            }
        }
    }

    // Linux PCI_DEVFN(slot, func) = ((slot & 0x1f) << 3) | (func & 0x07); Xen PCI_SBDF adds bus << 8 and seg << 16
    @Test
    void sbdfEncodesBusDeviceFunctionAndRoundTrips() {
        assertEquals(0x0018, new Bdf(0, 3, 0).sbdf());
        assertEquals(0x0112, new Bdf(1, 2, 2).sbdf());
        assertEquals(0x12, new Bdf(1, 2, 2).devfn());
        assertEquals(0xF0, new Bdf(0, 0x1e, 0).devfn());
        for (int sbdf = 0; sbdf <= 0xFFFF; sbdf += 7) {
            assertEquals(sbdf, Bdf.fromSbdf(sbdf).sbdf());
        }
        assertEquals(new Bdf(0xFF, 0x1F, 7), Bdf.fromSbdf(0xFFFF));
    }

    @Test
    void sbdfOutsideSegmentZeroIsRejected() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bdf.fromSbdf(0x1_0018));
        assertTrue(e.getMessage().contains("segment 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Bdf.fromSbdf(-1));
    }

    @Test
    void fieldsOutOfRangeAreRejectedNamingTheRanges() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Bdf(0, 32, 0));
        assertTrue(e.getMessage().contains("device 0..31"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Bdf(256, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Bdf(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Bdf(0, 0, 8));
    }

    @Test
    void nonHexFieldIsAClearError() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bdf.parse("zz:1.0"));
        assertTrue(e.getMessage().contains("'zz:1.0'") && e.getMessage().contains("hex"), e.getMessage());
    }

    @Test
    void deviceNumber0x20IsAClearError() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bdf.parse("00:20.0"));
        assertTrue(e.getMessage().contains("device=32") && e.getMessage().contains("0..31"), e.getMessage());
    }

    @Test
    void nonZeroSegmentIsAClearError() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bdf.parse("1:00:00.0"));
        assertTrue(e.getMessage().contains("'1:00:00.0'") && e.getMessage().contains("segment 0"), e.getMessage());
    }

    @Test
    void nonHexSegmentIsAClearError() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bdf.parse("zz:00:03.0"));
        assertTrue(e.getMessage().contains("'zz:00:03.0'"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "00", "0003.0", "00:03", "00:03.", ":03.0", "00:.0", "00:03.0.1", "1:2:3:4.0", "00:03:0"})
    void malformedAddressesAreRejectedWithTheTextInTheMessage(final String text) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bdf.parse(text));
        assertTrue(e.getMessage().contains("'" + text + "'"), e.getMessage());
    }

    @Test
    void missingAddressIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Bdf.parse(null));
    }

    @Test
    void ordersBySbdf() {
        final List<Bdf> l = new ArrayList<>(List.of(new Bdf(1, 0, 0), new Bdf(0, 0x1e, 0), new Bdf(0, 3, 1),
            new Bdf(0, 3, 0)));
        Collections.sort(l);
        assertEquals(List.of(new Bdf(0, 3, 0), new Bdf(0, 3, 1), new Bdf(0, 0x1e, 0), new Bdf(1, 0, 0)), l);
    }
}
