package io.irqsim.hv.trace;

/**
 * Layout of an irqsim binary trace (little-endian, as Chronicle Bytes writes on x86), in the
 * style of xentrace: a fixed header, then fixed-size records.
 *
 * <pre>
 * header (32 bytes)
 *   0  u64  magic "IRQSIMTR" (ASCII, little-endian)
 *   8  u32  format version (1)
 *  12  u32  record size (40)
 *  16  u64  number of records written
 *  24  u64  reserved, 0
 *
 * record (40 bytes)
 *   0  u64  virtual time, ns
 *   8  u16  event code (HwEvent 1..63, HvEvent 64..127, guest 128..191)
 *  10  u16  physical CPU, 0xFFFF = none
 *  12  u16  domain id, 0x7FF2 = Xen itself (DOMID_XEN)
 *  14  u16  reserved, 0
 *  16  u64  argument a
 *  24  u64  argument b
 *  32  u64  argument c
 * </pre>
 */
public final class TraceFormat {

    /** "IRQSIMTR" read as a little-endian u64. */
    public static final long MAGIC = 0x5254_4D49_5351_5249L;
    /** Format version. */
    public static final int VERSION = 1;
    /** Header size in bytes. */
    public static final int HEADER_SIZE = 32;
    /** Record size in bytes. */
    public static final int RECORD_SIZE = 40;
    /** Offset of the record count in the header. */
    public static final int COUNT_OFFSET = 16;

    /** Record field offsets. */
    public static final int TIME = 0;
    /** Event code offset. */
    public static final int EVENT = 8;
    /** CPU offset. */
    public static final int CPU = 10;
    /** Domain offset. */
    public static final int DOMAIN = 12;
    /** Argument a offset. */
    public static final int ARG_A = 16;
    /** Argument b offset. */
    public static final int ARG_B = 24;
    /** Argument c offset. */
    public static final int ARG_C = 32;

    /** CPU field value meaning "no CPU". */
    public static final int NO_CPU = 0xFFFF;
    /** Domain id of Xen itself ({@code DOMID_XEN}). */
    public static final int DOMID_XEN = 0x7FF2;

    private TraceFormat() {
    }

    /**
     * @param index record index
     * @return its byte offset in the trace
     */
    public static long recordOffset(final long index) {
        return HEADER_SIZE + index * RECORD_SIZE;
    }
}
