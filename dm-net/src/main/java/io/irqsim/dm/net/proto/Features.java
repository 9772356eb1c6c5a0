package io.irqsim.dm.net.proto;

/**
 * Feature bits negotiated in HELLO: each side offers a set and may require some; the session
 * gets the intersection, and a required bit missing from it ends the handshake with
 * {@link ErrorCodes#FEATURE_REQUIRED}. Every extension of the protocol is behind a bit
 * (vhost-user's habit), so peers of different minors keep working.
 */
public final class Features {

    /** The server sends {@link Opcodes#EOI} notices for level interrupts the model raised. */
    public static final long EOI_NOTICE = 1L;
    /** {@link Opcodes#REGISTER_PIO} is accepted (port ranges are claimed; see docs on the PIO path). */
    public static final long PORT_IO = 1L << 1;
    /** {@link Opcodes#BIND_PT_IRQ} is accepted. */
    public static final long PT_IRQ = 1L << 2;
    /** Every feature this version defines. */
    public static final long ALL = EOI_NOTICE | PORT_IO | PT_IRQ;

    private Features() {
    }

    /**
     * @param features a feature set
     * @return it as text, e.g. {@code EOI_NOTICE|PT_IRQ}, unknown bits in hex
     */
    public static String toString(final long features) {
        final StringBuilder sb = new StringBuilder();
        if ((features & EOI_NOTICE) != 0) {
            sb.append("EOI_NOTICE");
        }
        if ((features & PORT_IO) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("PORT_IO");
        }
        if ((features & PT_IRQ) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("PT_IRQ");
        }
        if ((features & ~ALL) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append(String.format("0x%x", features & ~ALL));
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
