package io.irqsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code irqsim run}: several scenarios in one call, JUnit XML, and state dumps. */
class RunCommandTest {

    @TempDir
    Path dir;

    private static CliRun.Result run(final String... args) {
        return CliRun.run(args);
    }

    private static String scenario(final String name) {
        return Path.of("..", "scenarios", name).toString();
    }

    private Path write(final String name, final String text) throws Exception {
        final Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void severalScenariosGiveOnePassOrFailLineEachAndASummary() throws Exception {
        final Path bad = write("bad.yaml", "name: bad\nnot_a_key: 1\n");
        final CliRun.Result r = run("run", "-s", "pciback-setup-gsi", scenario("bridge.yaml"), scenario("default.yaml"));
        final List<String> lines = List.of(r.out().split("\n"));
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("PASS " + scenario("bridge.yaml") + " ("), lines.get(0));
        assertTrue(lines.get(1).startsWith("PASS " + scenario("default.yaml") + " ("), lines.get(1));
        assertEquals("2 scenarios: 2 passed, 0 failed", lines.get(2));
        assertEquals(Main.EXIT_OK, r.exit());

        final CliRun.Result f = run("run", scenario("default.yaml"), bad.toString());
        final List<String> fl = List.of(f.out().split("\n"));
        assertTrue(fl.get(0).startsWith("FAIL " + scenario("default.yaml") + " (default, strategy status-quo): "),
            fl.get(0));
        assertTrue(fl.get(0).contains("irq_permission:-EPERM"), fl.get(0));
        assertTrue(fl.get(1).startsWith("ERROR " + bad + ":2:1: not_a_key: unknown key"), fl.get(1));
        assertTrue(!fl.get(1).substring(("ERROR " + bad).length()).contains(bad.toString()),
            "the file is named once: " + fl.get(1));
        assertEquals("2 scenarios: 0 passed, 1 failed, 1 error", fl.get(2));
        assertEquals(Main.EXIT_USAGE, f.exit(), "a file that cannot be loaded is a usage error");
    }

    // a report path that is a directory is refused before any scenario runs, naming it once
    @Test
    void aJunitXmlPathThatIsADirectoryIsRefusedFirst() {
        final CliRun.Result r = run("run", "--junit-xml", dir.toString(), scenario("default.yaml"));
        assertEquals(Main.EXIT_USAGE, r.exit(), r.err());
        assertEquals("", r.out(), "nothing ran");
        assertTrue(r.err().startsWith("irqsim: --junit-xml " + dir + " is a directory\n"), r.err());
        final Path lost = dir.resolve("no").resolve("such").resolve("report.xml");
        final CliRun.Result m = run("run", "--junit-xml", lost.toString(), scenario("default.yaml"));
        assertEquals(Main.EXIT_USAGE, m.exit(), m.err());
        assertEquals("", m.out(), "nothing ran");
        assertTrue(m.err().startsWith("irqsim: --junit-xml " + lost + ": no directory " + lost.getParent() + "\n"),
            m.err());
    }

    @Test
    void aFailedScenarioAmongPassingOnesExitsOne() {
        final CliRun.Result r = run("run", scenario("bridge.yaml"), scenario("default.yaml"));
        assertEquals(Main.EXIT_FAILED, r.exit(), r.out());
        assertTrue(r.out().endsWith("2 scenarios: 1 passed, 1 failed\n") || r.out().endsWith("2 scenarios: 0 passed, 2 failed\n"),
            r.out());
    }

    @Test
    void junitXmlHasOneTestcasePerScenarioAndParses() throws Exception {
        final Path xml = dir.resolve("out.xml");
        final CliRun.Result r = run("run", scenario("default.yaml"), scenario("default.yaml"), "--junit-xml", xml.toString());
        assertEquals(Main.EXIT_FAILED, r.exit());
        final Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        final Element suite = doc.getDocumentElement();
        assertEquals("testsuite", suite.getTagName());
        assertEquals("2", suite.getAttribute("tests"));
        assertEquals("2", suite.getAttribute("failures"));
        assertEquals("0", suite.getAttribute("errors"));
        final NodeList cases = suite.getElementsByTagName("testcase");
        assertEquals(2, cases.getLength());
        final Element c = (Element) cases.item(0);
        assertEquals(scenario("default.yaml"), c.getAttribute("name"));
        assertEquals("irqsim.run", c.getAttribute("classname"));
        final Element failure = (Element) c.getElementsByTagName("failure").item(0);
        assertTrue(failure.getAttribute("message").contains("irq_permission:-EPERM"), failure.getAttribute("message"));
        assertTrue(failure.getTextContent().startsWith("scenario default, strategy status-quo\n"), failure.getTextContent());
    }

    @Test
    void junitXmlForOnePassingScenarioHasNoFailure() throws Exception {
        final Path xml = dir.resolve("one.xml");
        final CliRun.Result r = run("run", "-s", "pciback-setup-gsi", "--no-timeline", "--junit-xml", xml.toString());
        assertEquals(Main.EXIT_OK, r.exit(), r.err());
        final Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        assertEquals("1", doc.getDocumentElement().getAttribute("tests"));
        assertEquals("0", doc.getDocumentElement().getAttribute("failures"));
        assertEquals(0, doc.getElementsByTagName("failure").getLength());
        assertEquals("default scenario", ((Element) doc.getElementsByTagName("testcase").item(0)).getAttribute("name"));
    }

    @Test
    void junitXmlForOneUnloadableScenarioHasItAsAnErrorTestcase() throws Exception {
        final Path bad = write("bad.yaml", "name: bad\nnot_a_key: 1\n");
        final Path xml = dir.resolve("bad.xml");
        final CliRun.Result r = run("run", "--junit-xml", xml.toString(), bad.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals(1, r.err().split("\n").length, r.err());
        assertTrue(r.err().startsWith("irqsim: " + bad + ":2:1: "), r.err());
        final Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        assertEquals("1", doc.getDocumentElement().getAttribute("tests"));
        assertEquals("1", doc.getDocumentElement().getAttribute("errors"));
        assertEquals("0", doc.getDocumentElement().getAttribute("failures"));
        final Element c = (Element) doc.getElementsByTagName("testcase").item(0);
        assertEquals(bad.toString(), c.getAttribute("name"));
        final Element error = (Element) c.getElementsByTagName("error").item(0);
        assertEquals(r.err().substring("irqsim: ".length()).trim(), error.getAttribute("message"));
    }

    // the Jazzer scenario-loader finding: the loader passed it, then MmioBus.map threw while assigning the NIC's BAR
    @Test
    void anIoApicInTheNicsBarWindowIsAFileErrorNotAStackTrace() throws Exception {
        final Path f = write("overlap.yaml", Files.readString(Path.of(scenario("default.yaml")))
            .replace("address: 0xfec00000", "address: 0xfe000c00"));
        final CliRun.Result r = run("run", f.toString());
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertEquals("irqsim: " + f + ":12:24: platform.ioapics[0].address: IO-APIC id 2's register window"
            + " 0xfe000c00-0xfe000cff overlaps the BAR0 slot of 00:03.0 (nic) 0xfe000000-0xfe00ffff (the PCI BAR window"
            + " 0xfe000000-0xfe03ffff: 64 KiB for BAR0 of each of the 4 PCI devices with an interrupt pin)\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void severalScenariosRefuseOptionsMadeForOne() {
        final CliRun.Result r = run("run", "--json", scenario("bridge.yaml"), scenario("default.yaml"));
        assertEquals(Main.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("take one scenario"), r.err());
    }

    @Test
    void dumpStateShowsPhysicalAndGuestTablesApart() {
        final CliRun.Result r = run("run", "-s", "pciback-setup-gsi", "--no-timeline", "--dump-state");
        assertEquals(Main.EXIT_OK, r.exit(), r.err());
        final String out = r.out();
        assertTrue(out.contains("physical IO-APIC 0 (APIC id 2, GSI 0-23, 24 pins"), out);
        assertTrue(out.contains(" NR Dst Msk Trg IRR Pol Stat DstM DelM Vec"), out);
        // the NIC's GSI 16: unmasked, level, Remote IRR clear after the last EOI, active low, vector 0xB8
        // (after the ISA IRQs' 0x30..0xA0 and dom0's GSIs 17 and 22)
        assertTrue(out.contains(" 10  00   0   1   0   1    0    0    0    B8  GSI 16"), out);
        assertTrue(out.contains("Xen IRQ descriptors (xl debug-keys i):"), out);
        assertTrue(out.contains("   IRQ:  16 vec:b8 IO-APIC-level   pin 0:16 status=guest in-flight=0"), out);
        // d1 is HVM without an event channel for the pirq: dump_irqs reads port 0, never pending, always masked
        assertTrue(out.contains("d1: 16(-M-)"), out);
        assertTrue(out.contains("d1 vIO-APIC 0 (emulated by Xen) (APIC id 0, GSI 0-47, 48 pins"), out);
        assertTrue(out.contains("d1 vCPU 0 vLAPIC (emulated by Xen): TPR 0x00 PPR 0x00"), out);
        assertTrue(out.contains("physical LAPIC of pCPU 0: TPR 0x00 PPR 0x00"), out);
        assertTrue(out.contains("    pirq 16 -> irq 16"), out);
        assertTrue(out.contains("d1 passthrough bindings (hvm_irq_dpci):\n    guest GSI 36 <- 00:05 INTA <- pirq 16 (irq 16)"),
            out);
    }

    @Test
    void dumpStateAtAVirtualTimeShowsTheStateThen() {
        final CliRun.Result r = run("run", "-s", "pciback-setup-gsi", "--no-timeline", "--dump-state-at", "5000",
            "--dump-state-at", "999999999999");
        assertEquals(Main.EXIT_OK, r.exit(), r.err());
        assertTrue(r.out().contains("state at virtual time 5000 ns\n"), r.out());
        assertTrue(r.out().contains("no state dump for --dump-state-at beyond the run's end"), r.out());
    }

    @Test
    void dumpStateWithJsonIsAUsageError() {
        final CliRun.Result r = run("run", "--json", "--dump-state");
        assertEquals(Main.EXIT_USAGE, r.exit());
    }
}
