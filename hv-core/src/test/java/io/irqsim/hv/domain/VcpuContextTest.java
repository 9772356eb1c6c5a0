package io.irqsim.hv.domain;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VcpuContextTest {

    // Vcpu#enter sets the trace context only while some recorder records: in a JVM of its own (VcpuContextProbe), as
    // in this one earlier tests' recorders have opened the gate for good; the first access after the recorder is
    // turned on is stamped with its vCPU's domain and CPU
    @Test
    void theFirstAccessAfterARecorderTurnsOnIsStampedWithItsVcpu() throws Exception {
        final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Process p = new ProcessBuilder(javaBin, "-Xbatch", "-cp", System.getProperty("java.class.path"),
            VcpuContextProbe.class.getName()).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe ended");
        assertEquals(0, p.exitValue(), out);
    }
}
