package io.irqsim.hw.pci;

/**
 * Offsets and bits of the PCI configuration header (PCI Local Bus Specification 3.0, chapter 6;
 * PCI-to-PCI Bridge Architecture Specification 1.2, chapter 3).
 */
public final class PciConfigRegisters {

    /** Configuration space size of a conventional PCI function. */
    public static final int CONFIG_SIZE = 256;

    /** Vendor ID (16 bits, read-only). */
    public static final int VENDOR_ID = 0x00;
    /** Device ID (16 bits, read-only). */
    public static final int DEVICE_ID = 0x02;
    /** Command (16 bits). */
    public static final int COMMAND = 0x04;
    /** Status (16 bits; error bits are write-1-to-clear). */
    public static final int STATUS = 0x06;
    /** Revision ID. */
    public static final int REVISION_ID = 0x08;
    /** Class code, 24 bits: programming interface, subclass, base class. */
    public static final int CLASS_CODE = 0x09;
    /** Header type; bit 7 = multi-function. */
    public static final int HEADER_TYPE = 0x0E;
    /** First base address register. */
    public static final int BAR0 = 0x10;
    /** Type 1: primary bus number. */
    public static final int PRIMARY_BUS = 0x18;
    /** Type 1: secondary bus number. */
    public static final int SECONDARY_BUS = 0x19;
    /** Type 1: subordinate bus number. */
    public static final int SUBORDINATE_BUS = 0x1A;
    /** Interrupt line: written by firmware/OS, unused by the device. */
    public static final int INTERRUPT_LINE = 0x3C;
    /** Interrupt pin: 0 none, 1..4 = INTA#..INTD# (read-only). */
    public static final int INTERRUPT_PIN = 0x3D;

    /** Command bit 0: I/O space enable. */
    public static final int COMMAND_IO = 1;
    /** Command bit 1: memory space enable. */
    public static final int COMMAND_MEMORY = 1 << 1;
    /** Command bit 2: bus master enable. */
    public static final int COMMAND_MASTER = 1 << 2;
    /** Command bit 10: interrupt disable (the function must not assert INTx#). */
    public static final int COMMAND_INTX_DISABLE = 1 << 10;

    /** Status bit 3: interrupt status (the function's INTx condition, regardless of the disable bit). */
    public static final int STATUS_INTERRUPT = 1 << 3;

    /** Header type 0: endpoint. */
    public static final int HEADER_TYPE_NORMAL = 0x00;
    /** Header type 1: PCI-to-PCI bridge. */
    public static final int HEADER_TYPE_BRIDGE = 0x01;

    /** Number of BARs in a type-0 header. */
    public static final int BARS_TYPE0 = 6;
    /** Number of BARs in a type-1 header. */
    public static final int BARS_TYPE1 = 2;

    private PciConfigRegisters() {
    }
}
