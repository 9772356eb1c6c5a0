package io.irqsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.irqsim.hw.pci.Bdf;

/** The JSON writer the commands share: BDFs as {@code "00:03.0"}, stable field order, indented. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper()
        .registerModule(new SimpleModule().addSerializer(Bdf.class, ToStringSerializer.instance))
        .enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    static String write(final Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON: " + e.getMessage(), e);
        }
    }
}
