package io.irqsim.dm.vfiouser;

/**
 * vfio-user protocol numbers: commands, header flags, and the VFIO ({@code linux/vfio.h}) region,
 * IRQ and flag values the messages reuse. Sources: QEMU {@code docs/interop/vfio-user.rst}
 * (protocol 0.2) and libvfio-user {@code include/vfio-user.h}@efd091b.
 */
public final class VfioUser {

    /** Protocol version this client speaks: 0.2. */
    public static final int MAJOR = 0;
    /** Minor version offered. */
    public static final int MINOR = 2;

    /** Header: msg_id u16, cmd u16, size u32 (including the header), flags u32, errno u32. */
    public static final int HEADER_SIZE = 16;

    public static final int CMD_VERSION = 1;
    public static final int CMD_DMA_MAP = 2;
    public static final int CMD_DMA_UNMAP = 3;
    public static final int CMD_DEVICE_GET_INFO = 4;
    public static final int CMD_DEVICE_GET_REGION_INFO = 5;
    public static final int CMD_DEVICE_GET_REGION_IO_FDS = 6;
    public static final int CMD_DEVICE_GET_IRQ_INFO = 7;
    public static final int CMD_DEVICE_SET_IRQS = 8;
    public static final int CMD_REGION_READ = 9;
    public static final int CMD_REGION_WRITE = 10;
    public static final int CMD_DMA_READ = 11;
    public static final int CMD_DMA_WRITE = 12;
    public static final int CMD_DEVICE_RESET = 13;

    /** flags bits 0..3: message type. */
    public static final int F_TYPE_MASK = 0xf;
    public static final int F_TYPE_COMMAND = 0;
    public static final int F_TYPE_REPLY = 1;
    /** No reply is wanted. */
    public static final int F_NO_REPLY = 0x10;
    /** The reply is an error; errno holds it. */
    public static final int F_ERROR = 0x20;

    /** VFIO_DEVICE_FLAGS_RESET / _PCI. */
    public static final int DEVICE_FLAG_RESET = 1;
    public static final int DEVICE_FLAG_PCI = 2;

    /** VFIO PCI region indexes: BARs 0..5, ROM, config space, VGA. */
    public static final int REGION_BAR0 = 0;
    public static final int REGION_ROM = 6;
    public static final int REGION_CONFIG = 7;
    public static final int REGION_VGA = 8;

    /** VFIO_REGION_INFO_FLAG_*. */
    public static final int REGION_FLAG_READ = 1;
    public static final int REGION_FLAG_WRITE = 2;
    public static final int REGION_FLAG_MMAP = 4;
    public static final int REGION_FLAG_CAPS = 8;

    /** Region capability ids (VFIO_REGION_INFO_CAP_*). */
    public static final int REGION_CAP_SPARSE_MMAP = 1;
    public static final int REGION_CAP_TYPE = 2;

    /** VFIO PCI IRQ indexes. */
    public static final int IRQ_INTX = 0;
    public static final int IRQ_MSI = 1;
    public static final int IRQ_MSIX = 2;
    public static final int IRQ_ERR = 3;
    public static final int IRQ_REQ = 4;

    /** VFIO_IRQ_INFO_*. */
    public static final int IRQ_INFO_EVENTFD = 1;
    public static final int IRQ_INFO_MASKABLE = 2;
    public static final int IRQ_INFO_AUTOMASKED = 4;
    public static final int IRQ_INFO_NORESIZE = 8;

    /** VFIO_IRQ_SET_DATA_* and _ACTION_*. */
    public static final int IRQ_SET_DATA_NONE = 1;
    public static final int IRQ_SET_DATA_BOOL = 2;
    public static final int IRQ_SET_DATA_EVENTFD = 4;
    public static final int IRQ_SET_ACTION_MASK = 8;
    public static final int IRQ_SET_ACTION_UNMASK = 0x10;
    public static final int IRQ_SET_ACTION_TRIGGER = 0x20;

    /** Defaults of the VERSION capabilities when the peer leaves them out (the spec's). */
    public static final int DEFAULT_MAX_MSG_FDS = 1;
    public static final int DEFAULT_MAX_DATA_XFER_SIZE = 1024 * 1024;

    private VfioUser() {
    }

    /**
     * @param cmd a command number
     * @return its name for messages, {@code cmd N} for unknown ones
     */
    public static String commandName(final int cmd) {
        return switch (cmd) {
            case CMD_VERSION -> "VERSION";
            case CMD_DMA_MAP -> "DMA_MAP";
            case CMD_DMA_UNMAP -> "DMA_UNMAP";
            case CMD_DEVICE_GET_INFO -> "DEVICE_GET_INFO";
            case CMD_DEVICE_GET_REGION_INFO -> "DEVICE_GET_REGION_INFO";
            case CMD_DEVICE_GET_REGION_IO_FDS -> "DEVICE_GET_REGION_IO_FDS";
            case CMD_DEVICE_GET_IRQ_INFO -> "DEVICE_GET_IRQ_INFO";
            case CMD_DEVICE_SET_IRQS -> "DEVICE_SET_IRQS";
            case CMD_REGION_READ -> "REGION_READ";
            case CMD_REGION_WRITE -> "REGION_WRITE";
            case CMD_DMA_READ -> "DMA_READ";
            case CMD_DMA_WRITE -> "DMA_WRITE";
            case CMD_DEVICE_RESET -> "DEVICE_RESET";
            default -> "cmd " + cmd;
        };
    }
}
