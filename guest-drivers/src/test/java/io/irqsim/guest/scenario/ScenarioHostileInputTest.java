package io.irqsim.guest.scenario;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static io.irqsim.guest.scenario.ScenarioFiles.STRATEGIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scenario files an attacker or an accident could produce: huge, endless, deeply nested, tagged,
 * or inside the loader's ranges but outside the domain's. Each is refused fast, with one line
 * naming the file (and the position where there is one), never a stack trace or a parser's
 * internal names.
 */
class ScenarioHostileInputTest {

    @TempDir
    Path dir;

    private static ScenarioException refused(final String yaml) {
        return assertThrows(ScenarioException.class, () -> ScenarioLoader.parse(yaml, "x.yaml", STRATEGIES));
    }

    // vcpus 65..128 passed the loader and the schema, then DomainConfig threw
    @Test
    void vcpusPastTheDomainLimitAreAScenarioError() {
        assertEquals("x.yaml:1:15: dom0.vcpus: 65 is out of range: must be 1..64",
            refused("dom0: {vcpus: 65}").getMessage());
        assertEquals("x.yaml:1:27: guests[0].vcpus: 128 is out of range: must be 1..64",
            refused("guests: [{name: g, vcpus: 128}]").getMessage());
    }

    @Test
    void devZeroIsRefusedWithoutReadingIt() {
        final ScenarioException e = assertThrows(ScenarioException.class,
            () -> ScenarioLoader.load(Path.of("/dev/zero"), STRATEGIES));
        assertEquals("/dev/zero: cannot read the file: not a regular file (a device, FIFO or socket)", e.getMessage());
    }

    @Test
    void aThreeGigabyteFileIsRefusedBeforeItIsRead() throws IOException {
        final Path big = dir.resolve("big.yaml");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(3_000_000_000L); // sparse
        }
        final ScenarioException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(ScenarioException.class, () -> ScenarioLoader.load(big, STRATEGIES)));
        assertEquals(big + ": the file is 3000000000 bytes; a scenario file may be at most 262144 bytes",
            e.getMessage());
    }

    // a 25 MB quoted string cost 696 s of CPU in the scanner before SnakeYAML's 3 MiB limit applied
    @Test
    void aHugeQuotedStringIsRefusedFast() throws IOException {
        final Path f = dir.resolve("string.yaml");
        final StringBuilder sb = new StringBuilder(25_000_020).append("name: \"");
        sb.append("a".repeat(25_000_000)).append("\"\n");
        Files.writeString(f, sb);
        final ScenarioException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(ScenarioException.class, () -> ScenarioLoader.load(f, STRATEGIES)));
        assertTrue(e.getMessage().startsWith(f + ": the file is 25000009 bytes"), e.getMessage());
        // and below the file limit, a long scalar costs linear time
        assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> refused("name: \"" + "a".repeat(250_000) + "\"\nplatform: 5\n"));
    }

    @Test
    void deepNestingGivesAPositionAndNoParserInternals() {
        final String yaml = "name: " + "[".repeat(1500) + "]".repeat(1500) + "\n";
        final ScenarioException e = refused(yaml);
        assertEquals(1, e.line());
        assertTrue(e.column() > 1, e.getMessage());
        assertTrue(e.getMessage().contains("nested more than 32 mappings and lists deep"), e.getMessage());
        assertFalse(e.getMessage().contains("Jackson") || e.getMessage().contains("StreamReadConstraints")
            || e.getMessage().contains("com."), e.getMessage());
    }

    @Test
    void anUnknownTagIsRefused() {
        final ScenarioException e = refused("name: !foo bar\n");
        assertEquals("x.yaml:1:7: name: YAML tags (!foo) are not supported: write the value without one",
            e.getMessage());
    }

    @Test
    void anUnknownErrnoNameIsRefused() {
        assertEquals("x.yaml:1:18: expect.attach: unknown errno -EFOO; Xen returns -EPERM, -ENOENT, -ESRCH, -ENOMEM,"
                + " -EACCES, -EFAULT, -EBUSY, -EEXIST, -ENODEV, -EINVAL, -ENOSPC, -ERANGE, -ENOSYS, -EOPNOTSUPP",
            refused("expect: {attach: \"irq_permission:-EFOO\"}").getMessage());
        assertEquals("irq_permission:-EPERM",
            ScenarioLoader.parse("expect: {attach: \"irq_permission:-EPERM\"}", "x.yaml", STRATEGIES).expect().attach());
    }

    // intervalNs 0x7fffffffffffffff looped forever in Hypervisor.advanceTime
    @Test
    void anIntervalPastOneSecondIsRefused() {
        assertEquals("x.yaml:1:43: traffic[0].intervalNs: 0x7fffffffffffffff is out of range: must be 0..1000000000",
            refused("traffic: [{device: \"00:03.0\", intervalNs: 0x7fffffffffffffff}]").getMessage());
    }
}
