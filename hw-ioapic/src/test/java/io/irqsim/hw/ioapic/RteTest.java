package io.irqsim.hw.ioapic;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The 64-bit redirection-table entry layout of the 82093AA (datasheet 3.2.4; Xen union vioapic_redir_entry). */
class RteTest {

    // 82093AA 3.2.4: field positions (vector 7:0, mode 10:8, dstm 11, dlvs 12, pol 13, rIRR 14, trig 15, mask 16, dest 63:56)
    @Test
    void fieldsSitAtTheirDatasheetBitPositions() {
        assertEquals(0x0000_0000_0000_00FFL, Rte.VECTOR_MASK);
        assertEquals(1L << 11, Rte.DEST_MODE_LOGICAL);
        assertEquals(1L << 12, Rte.DELIVERY_STATUS);
        assertEquals(1L << 13, Rte.POLARITY_LOW);
        assertEquals(1L << 14, Rte.REMOTE_IRR);
        assertEquals(1L << 15, Rte.TRIGGER_LEVEL);
        assertEquals(1L << 16, Rte.MASKED);
        assertEquals(56, Rte.DEST_SHIFT);
        assertEquals(Rte.REMOTE_IRR | Rte.DELIVERY_STATUS, Rte.RO_BITS);
        assertEquals(0x10000L, Rte.RESET);
    }

    // 82093AA 3.2.4: of() and the accessors agree on every field
    @Test
    void ofBuildsWhatTheAccessorsRead() {
        final long e = Rte.of(0x1F3, Rte.DM_EXTINT, true, true, true, true, 0x1AB);
        assertEquals(0xAB00_0000_0001_AFF3L, e, "vector and destination truncated to 8 bits");
        assertEquals(0xF3, Rte.vector(e));
        assertEquals(Rte.DM_EXTINT, Rte.deliveryMode(e));
        assertTrue(Rte.isLogical(e));
        assertTrue(Rte.isActiveLow(e));
        assertTrue(Rte.isLevel(e));
        assertTrue(Rte.isMasked(e));
        assertEquals(0xAB, Rte.destination(e));
        assertFalse(Rte.remoteIrr(e));
        assertFalse(Rte.isDeliveryPending(e));
        assertEquals(0x0001_AFF3, Rte.low(e));
        assertEquals(0xAB00_0000, Rte.high(e));
    }

    // Rte.with*: set and clear one bit, leaving the rest
    @Test
    void withersSetAndClearOneBit() {
        final long e = Rte.of(0x30, Rte.DM_FIXED, false, false, true, false, 1);
        assertEquals(e | Rte.REMOTE_IRR, Rte.withRemoteIrr(e, true));
        assertEquals(e, Rte.withRemoteIrr(e | Rte.REMOTE_IRR, false));
        assertEquals(e | Rte.DELIVERY_STATUS, Rte.withDeliveryStatus(e, true));
        assertEquals(e, Rte.withDeliveryStatus(e | Rte.DELIVERY_STATUS, false));
        assertEquals(e | Rte.MASKED, Rte.withMask(e, true));
        assertEquals(e, Rte.withMask(e | Rte.MASKED, false));
    }

    // 82093AA 3.2.4 delivery mode names; 011 and 110 are reserved
    @Test
    void deliveryModesHaveDatasheetNames() {
        assertEquals("fixed", Rte.deliveryModeName(0));
        assertEquals("lowest", Rte.deliveryModeName(1));
        assertEquals("smi", Rte.deliveryModeName(2));
        assertEquals("reserved3", Rte.deliveryModeName(3));
        assertEquals("nmi", Rte.deliveryModeName(4));
        assertEquals("init", Rte.deliveryModeName(5));
        assertEquals("reserved6", Rte.deliveryModeName(6));
        assertEquals("extint", Rte.deliveryModeName(7));
        final String s = Rte.toString(Rte.of(0x31, 0, false, true, true, true, 0) | Rte.REMOTE_IRR | Rte.DELIVERY_STATUS);
        assertEquals("vec=0x31 fixed phys dest=0 level low masked rIRR pending", s);
    }

    // 82093AA 3.2.4 destination mode bit 11 (1 = logical): the text names the mode the entry holds
    @Test
    void toStringNamesLogicalDestinationMode() {
        assertEquals("vec=0x45 lowest logical dest=15 edge high",
            Rte.toString(Rte.of(0x45, Rte.DM_LOWEST_PRIORITY, true, false, false, false, 0x0F)));
    }
}
