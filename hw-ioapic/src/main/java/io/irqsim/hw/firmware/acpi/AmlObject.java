package io.irqsim.hw.firmware.acpi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The values and objects of the AML interpreter (ACPI 6.5, 19.3.5 and 20): data (integer, string,
 * buffer, package), references, and the named objects a namespace node can hold.
 */
public sealed interface AmlObject {

    /** @return the name ACPICA's {@code ObjectType} operator uses for the type (ACPI 6.5, 19.6.97) */
    int objectType();

    /** An integer; 32-bit when the DSDT revision is below 2. */
    record Int(long value) implements AmlObject {
        @Override public int objectType() {
            return 1;
        }
    }

    /** A string. */
    record Str(String value) implements AmlObject {
        @Override public int objectType() {
            return 2;
        }
    }

    /** A buffer; its bytes are mutable (Index stores and buffer fields write into them). */
    record Buf(byte[] data) implements AmlObject {
        @Override public int objectType() {
            return 3;
        }

        @Override public boolean equals(final Object o) {
            return o instanceof Buf b && Arrays.equals(data, b.data);
        }

        @Override public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override public String toString() {
            return "Buf" + Arrays.toString(data);
        }
    }

    /** A package; its elements are mutable. */
    record Pkg(List<AmlObject> elements) implements AmlObject {
        /** @param n element count, every element uninitialized */
        static Pkg ofSize(final int n) {
            final List<AmlObject> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                l.add(Uninitialized.INSTANCE);
            }
            return new Pkg(l);
        }

        @Override public int objectType() {
            return 4;
        }
    }

    /** A name in a package element, resolved when it is used (ACPI 6.5, 19.6.102: "NameString"). */
    record NameRef(String name, AmlNode scope) implements AmlObject {
        @Override public int objectType() {
            return 14;
        }
    }

    /** A reference to a namespace node ({@code RefOf}, a resolved name). */
    record NodeRef(AmlNode node) implements AmlObject {
        @Override public int objectType() {
            return 14;
        }
    }

    /** A reference to an element of a package or a byte of a buffer or string ({@code Index}). */
    record ElementRef(AmlObject container, int index) implements AmlObject {
        @Override public int objectType() {
            return 14;
        }
    }

    /** Nothing stored yet. */
    enum Uninitialized implements AmlObject {
        /** The one value. */
        INSTANCE;

        @Override public int objectType() {
            return 0;
        }
    }

    /**
     * A control method: its body is the bytes {@code [start, end)} of {@code table}.
     *
     * @param node where it lives
     * @param argCount 0..7
     * @param table the table holding the body
     * @param start first byte of the body
     * @param end one past the last
     */
    record Method(AmlNode node, int argCount, AcpiTable table, int start, int end) implements AmlObject {
        @Override public int objectType() {
            return 8;
        }
    }

    /**
     * A method irqsim provides instead of firmware ({@code \_OSI}).
     *
     * @param argCount arguments
     * @param body the implementation
     */
    record NativeMethod(int argCount, java.util.function.Function<List<AmlObject>, AmlObject> body) implements AmlObject {
        @Override public int objectType() {
            return 8;
        }
    }

    /** A scope-like named object. */
    record Named(Kind kind) implements AmlObject {
        /** Which one. */
        public enum Kind {
            /** Scope / predefined root scope. */
            SCOPE(0),
            /** Device. */
            DEVICE(6),
            /** Event. */
            EVENT(7),
            /** Mutex. */
            MUTEX(9),
            /** PowerResource. */
            POWER_RESOURCE(11),
            /** Processor. */
            PROCESSOR(12),
            /** ThermalZone. */
            THERMAL_ZONE(13);

            private final int type;

            Kind(final int type) {
                this.type = type;
            }
        }

        @Override public int objectType() {
            return kind.type;
        }
    }

    /**
     * An OperationRegion: irqsim has no hardware behind it.
     *
     * @param space region space id (0 SystemMemory, 1 SystemIO, 2 PCI_Config, ...)
     * @param offset region offset
     * @param length region length
     */
    record Region(int space, long offset, long length) implements AmlObject {
        @Override public int objectType() {
            return 10;
        }
    }

    /**
     * A field unit of an OperationRegion ({@code Field}, {@code IndexField}, {@code BankField}):
     * reads give the scenario's value or the written one or zero, and are recorded.
     *
     * @param node where it lives
     * @param bitOffset offset in the region
     * @param bitLength width
     */
    record FieldUnit(AmlNode node, long bitOffset, int bitLength) implements AmlObject {
        @Override public int objectType() {
            return 5;
        }
    }

    /**
     * A buffer field ({@code CreateDWordField} and friends): a window onto a buffer's bits.
     *
     * @param buffer the buffer
     * @param bitOffset first bit
     * @param bitLength width
     */
    record BufferField(Buf buffer, long bitOffset, int bitLength) implements AmlObject {
        @Override public int objectType() {
            return 14;
        }
    }

    /** The {@code Debug} object: stores go nowhere. */
    enum Debug implements AmlObject {
        /** The one value. */
        INSTANCE;

        @Override public int objectType() {
            return 16;
        }
    }

    /** External declaration placeholder: a name another table defines (or nobody). */
    record ExternalDecl(int type, int argCount) implements AmlObject {
        @Override public int objectType() {
            return type;
        }
    }
}
