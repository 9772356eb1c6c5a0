package io.irqsim.hw.firmware.acpi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The ASL fixtures of src/test/resources/firmware/asl, compiled by iasl (compile.sh there). */
final class Fixtures {

    private Fixtures() {
    }

    static byte[] bytes(final String resource) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/firmware/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the one table in a compiled fixture */
    static AcpiTable aml(final String name) {
        return AcpiDumpReader.parse(bytes("asl/" + name + ".aml")).tables().get(0);
    }
}
