package io.irqsim.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.irqsim.dm.net.DmTransport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI smoke run of the packaged {@code benchmarks.jar} (failsafe, {@code integration-test} phase, so
 * it is part of {@code ./mvnw verify}): runs every benchmark in the jar once, in this JVM's JDK,
 * with no fork, no warm-up and one 10 ms measurement ({@code -f 0 -wi 0 -i 1 -r 10ms -foe true}).
 * A benchmark whose set-up or body throws, or the jar failing to list or run its benchmarks,
 * fails the build. Takes a few seconds; scores from it mean nothing. The forked configuration of
 * real runs is checked by {@code ForkFlagsTest}.
 */
class BenchmarksJarSmokeIT {

    private static final long TIMEOUT_SECONDS = 180;

    @Test
    void everyBenchmarkInTheJarRunsOnce() throws IOException, InterruptedException {
        final Path jar = Paths.get(System.getProperty("irqsim.benchmarks.jar", "target/benchmarks.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " was not built");
        final Path dir = jar.toAbsolutePath().getParent();

        final Path listing = dir.resolve("jmh-smoke-list.txt");
        assertEquals(0, run(listing, jar, "-l"), "java -jar benchmarks.jar -l failed: " + tail(listing));
        final Set<String> listed = new TreeSet<>();
        for (final String line : Files.readAllLines(listing, StandardCharsets.UTF_8)) {
            if (line.startsWith("io.irqsim.")) {
                listed.add(line.trim());
            }
        }
        assertFalse(listed.isEmpty(), "the jar lists no benchmarks: " + tail(listing));

        final Path log = dir.resolve("jmh-smoke.log");
        final Path results = dir.resolve("jmh-smoke.json");
        final List<String> args = new ArrayList<>(List.of("-f", "0", "-wi", "0", "-i", "1", "-r", "10ms", "-foe", "true",
            "-rf", "json", "-rff", results.toString()));
        if (!DmTransport.epollAvailable()) {
            // the socket benchmarks' transport=unix needs Netty's epoll transport (it fails at set-up
            // without it, saying so): run their TCP half only
            args.addAll(List.of("-p", "transport=tcp"));
        }
        final int rc = run(log, jar, args.toArray(new String[0]));
        assertEquals(0, rc, "a benchmark failed in the smoke run:\n" + tail(log));

        final Set<String> ran = new TreeSet<>();
        for (final JsonNode r : new ObjectMapper().readTree(results.toFile())) {
            ran.add(r.get("benchmark").asText());
            assertTrue(r.get("primaryMetric").get("score").asDouble() > 0, r.get("benchmark").asText() + " scored 0");
        }
        assertEquals(listed, ran, "benchmarks listed by the jar but missing from the smoke results");
    }

    private static int run(final Path output, final Path jar, final String... jmhArgs)
        throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        // another JMH run on the machine holds /tmp/jmh.lock for as long as it runs; this smoke run
        // measures nothing, so it neither needs nor takes the lock, and keeps its temporary files
        // (JMH's and the trace benchmark's) in this build's own directory
        cmd.add("-Djmh.ignoreLock=true");
        final Path tmp = Files.createDirectories(output.toAbsolutePath().getParent().resolve("jmh-tmp"));
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(List.of(jmhArgs));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s:\n"
                + tail(output));
        }
        return p.exitValue();
    }

    private static String tail(final Path file) throws IOException {
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
