package io.irqsim.hv.domain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VcpuContextTest {

    // Vcpu#enter sets the trace context only while some recorder records: in a JVM of its own (VcpuContextProbe), as
    // in this one earlier tests' recorders have opened the gate for good; the first access after the recorder is
    // turned on is stamped with its vCPU's domain and CPU
    @Test
    void theFirstAccessAfterARecorderTurnsOnIsStampedWithItsVcpu(@TempDir final Path dir) throws Exception {
        final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Path output = dir.resolve("probe.out");
        // the output goes to a file, so a probe that hangs is stopped at the timeout, not waited on for ever
        final Process p = new ProcessBuilder(javaBin, "-Xbatch", "-cp", System.getProperty("java.class.path"),
            VcpuContextProbe.class.getName()).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        final boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        assertTrue(ended, "the probe ended within 120 s");
        assertEquals(0, p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
