package io.irqsim.dm.net.proto;

/**
 * Message types of the device-model protocol and which side sends each as a request. A reply has
 * the type of its request with {@link FrameDescriptor#FLAG_REPLY} set; its payload layout is the
 * request's "reply" layout ({@code docs/protocol.md}).
 *
 * <pre>
 *  type    name                 request sent by   reply       added in
 *  0x0001  HELLO                model             yes         1.0
 *  0x0002  ERROR                either            never       1.0
 *  0x0003  PING                 model             yes         1.0
 *  0x0004  GOODBYE              model             yes         1.0
 *  0x0010  ATTACH               model             yes         1.0
 *  0x0020  REGISTER_MMIO        model             yes         1.0
 *  0x0021  REGISTER_PIO         model             yes         1.0 (feature PORT_IO)
 *  0x0022  REGISTER_PCI         model             yes         1.0
 *  0x0030  SET_INTX             model             unless posted  1.0
 *  0x0031  SET_ISA_IRQ          model             unless posted  1.0
 *  0x0032  SET_PCI_LINK_ROUTE   model             unless posted  1.0
 *  0x0033  INJECT_MSI           model             unless posted  1.0
 *  0x0034  BIND_PT_IRQ          model             yes         1.0 (feature PT_IRQ)
 *  0x0040  IOREQ                server            yes         1.0
 *  0x0041  EOI                  server            never (posted)  1.0 (feature EOI_NOTICE)
 * </pre>
 */
public final class Opcodes {

    /** Handshake: versions, limits, features. */
    public static final int HELLO = 0x0001;
    /** An error: the reply to a request that failed, or a connection-level notice. */
    public static final int ERROR = 0x0002;
    /** Liveness check; the reply echoes the payload. */
    public static final int PING = 0x0003;
    /** The model leaves: the server releases everything, replies, and closes. */
    public static final int GOODBYE = 0x0004;
    /** Become the device model of a domain. */
    public static final int ATTACH = 0x0010;
    /** Claim a guest-physical MMIO range. */
    public static final int REGISTER_MMIO = 0x0020;
    /** Claim a port I/O range. */
    public static final int REGISTER_PIO = 0x0021;
    /** Present an emulated PCI function on the guest's PCI bus. */
    public static final int REGISTER_PCI = 0x0022;
    /** Set the level of one of the model's PCI functions' INTx. */
    public static final int SET_INTX = 0x0030;
    /** Set the level of an ISA IRQ line. */
    public static final int SET_ISA_IRQ = 0x0031;
    /** Route a PCI link to an ISA IRQ. */
    public static final int SET_PCI_LINK_ROUTE = 0x0032;
    /** Inject an MSI (address, data). */
    public static final int INJECT_MSI = 0x0033;
    /** Bind a passed-through physical device's INTx to a guest INTx. */
    public static final int BIND_PT_IRQ = 0x0034;
    /** A guest access in one of the model's ranges. */
    public static final int IOREQ = 0x0040;
    /** The guest EOI'd a level interrupt the model raised. */
    public static final int EOI = 0x0041;

    private Opcodes() {
    }

    /**
     * @param type a type
     * @return whether it is defined in this version
     */
    public static boolean isKnown(final int type) {
        return name(type) != null;
    }

    /**
     * @param type a type
     * @return whether the device model sends it as a request (the server answers it)
     */
    public static boolean isModelRequest(final int type) {
        switch (type) {
            case HELLO: case PING: case GOODBYE: case ATTACH: case REGISTER_MMIO: case REGISTER_PIO:
            case REGISTER_PCI: case SET_INTX: case SET_ISA_IRQ: case SET_PCI_LINK_ROUTE: case INJECT_MSI:
            case BIND_PT_IRQ:
                return true;
            default:
                return false;
        }
    }

    /**
     * @param type a type
     * @return whether the server sends it as a request (or posted notice) to the model
     */
    public static boolean isServerRequest(final int type) {
        return type == IOREQ || type == EOI;
    }

    /**
     * @param type a request type
     * @return whether it may carry {@link FrameDescriptor#FLAG_POSTED}
     */
    public static boolean mayBePosted(final int type) {
        switch (type) {
            case SET_INTX: case SET_ISA_IRQ: case SET_PCI_LINK_ROUTE: case INJECT_MSI: case EOI:
                return true;
            default:
                return false;
        }
    }

    /**
     * @param type a request type
     * @return whether it must carry {@link FrameDescriptor#FLAG_POSTED} (it is never answered)
     */
    public static boolean mustBePosted(final int type) {
        return type == EOI;
    }

    /**
     * @param type a type
     * @return the feature bit it needs negotiated ({@link Features}), or 0
     */
    public static long feature(final int type) {
        switch (type) {
            case REGISTER_PIO: return Features.PORT_IO;
            case BIND_PT_IRQ: return Features.PT_IRQ;
            case EOI: return Features.EOI_NOTICE;
            default: return 0;
        }
    }

    /**
     * @param type a type
     * @return its name, or {@code null} if unknown
     */
    public static String name(final int type) {
        switch (type) {
            case HELLO: return "HELLO";
            case ERROR: return "ERROR";
            case PING: return "PING";
            case GOODBYE: return "GOODBYE";
            case ATTACH: return "ATTACH";
            case REGISTER_MMIO: return "REGISTER_MMIO";
            case REGISTER_PIO: return "REGISTER_PIO";
            case REGISTER_PCI: return "REGISTER_PCI";
            case SET_INTX: return "SET_INTX";
            case SET_ISA_IRQ: return "SET_ISA_IRQ";
            case SET_PCI_LINK_ROUTE: return "SET_PCI_LINK_ROUTE";
            case INJECT_MSI: return "INJECT_MSI";
            case BIND_PT_IRQ: return "BIND_PT_IRQ";
            case IOREQ: return "IOREQ";
            case EOI: return "EOI";
            default: return null;
        }
    }

    /**
     * @param type a type
     * @return its name, or {@code 0x....} if unknown
     */
    public static String describe(final int type) {
        final String n = name(type);
        return n != null ? n : String.format("0x%04x", type);
    }
}
