package io.irqsim.guest.scenario;

import org.junit.jupiter.api.Test;

import static io.irqsim.guest.scenario.ScenarioFiles.STRATEGIES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every class of error the loader reports, with its exact text: {@code file:line:column: path: message}.
 */
class ScenarioLoaderErrorTest {

    private static final String FILE = "scenarios/x.yaml";

    private static ScenarioException error(final String yaml) {
        final ScenarioException e = assertThrows(ScenarioException.class,
            () -> ScenarioLoader.parse(yaml, FILE, STRATEGIES));
        // the accessors and the message always agree
        final String prefix = FILE + (e.line() > 0 ? ":" + e.line() + ":" + e.column() : "") + ": "
            + (e.path().isEmpty() ? "" : e.path() + ": ");
        assertEquals(prefix + e.shortMessage(), e.getMessage());
        assertEquals(FILE, e.file());
        return e;
    }

    private static void assertError(final String yaml, final String expected) {
        assertEquals(expected, error(yaml).getMessage());
    }

    // ------------------------------------------------------------------ the exception

    @Test
    void accessorsGiveTheParts() {
        final ScenarioException e = error("guests:\n  - name: domU\n    passthrough: [{device: \"00:3.0z\", slot: 5}]\n");
        assertEquals(FILE, e.file());
        assertEquals(3, e.line());
        assertEquals(28, e.column());
        assertEquals("guests[0].passthrough[0].device", e.path());
        assertEquals("'00:3.0z' is not a PCI address: fields must be hex, e.g. 00:03.0", e.shortMessage());
        assertEquals("scenarios/x.yaml:3:28: guests[0].passthrough[0].device: '00:3.0z' is not a PCI address:"
            + " fields must be hex, e.g. 00:03.0", e.getMessage());
    }

    // ------------------------------------------------------------------ YAML itself

    @Test
    void malformedYamlGivesTheParsersPosition() {
        final ScenarioException e = error("name: x\nguests: [1, 2\nb: 3\n");
        assertEquals("scenarios/x.yaml:3:2: malformed YAML: expected ',' or ']', but got : (while parsing a flow"
            + " sequence that starts at line 2, column 9)", e.getMessage());
        assertEquals("", e.path());
    }

    @Test
    void malformedIndentation() {
        assertError("guests:\n  - name: a\n passthrough: []\n", "scenarios/x.yaml:3:2: malformed YAML: expected"
            + " <block end>, but found '<block mapping start>' (while parsing a block mapping that starts at line 1,"
            + " column 1)");
    }

    @Test
    void emptyFile() {
        final String expected = "scenarios/x.yaml:1:1: the file is empty (no YAML document); write {} for the"
            + " built-in default scenario";
        assertError("", expected);
        assertError("# only a comment\n\n", expected);
        assertError("---\n...\n", expected);
    }

    @Test
    void duplicateKey() {
        assertError("platform:\n  cpus: 2\n  cpus: 3\n",
            "scenarios/x.yaml:3:3: platform.cpus: duplicate key 'cpus' (first given at line 2)");
    }

    @Test
    void secondDocument() {
        assertError("name: a\n---\nname: b\n", "scenarios/x.yaml:3:1: a second YAML document starts here (after a"
            + " '---' line); a scenario file holds one document");
    }

    @Test
    void aliasesAreRefused() {
        assertError("dom0: {drivers: &d [\"00:04.0\"]}\nguests: [{name: a, passthrough: *d}]\n",
            "scenarios/x.yaml:2:33: guests[0].passthrough: YAML aliases (*d) are not supported: write the value out");
    }

    @Test
    void topLevelMustBeAMapping() {
        assertError("- a\n- b\n", "scenarios/x.yaml:1:1: expected a mapping (key: value), got a list");
    }

    // ------------------------------------------------------------------ keys

    @Test
    void unknownKeyWithANearMiss() {
        assertError("guests:\n  - name: domU\n    passthru: []\n", "scenarios/x.yaml:3:5: guests[0].passthru: unknown"
            + " key 'passthru' (did you mean 'passthrough'?); allowed here: name, vcpus, passthrough, hvmPirq, vfioUser");
        assertError("platform:\n  pci: [{bdf: \"00:03.0\", vendorId: 0x8086, device: 1}]\n",
            "scenarios/x.yaml:2:26: platform.pci[0].vendorId: unknown key 'vendorId' (did you mean 'vendor'?);"
                + " allowed here: bdf, name, vendor, device, class, pin, bridgeTo");
        assertError("firmware: {sciGSI: 9}\n", "scenarios/x.yaml:1:12: firmware.sciGSI: unknown key 'sciGSI'"
            + " (did you mean 'sciGsi'?); allowed here: overrides, prt, links, sciGsi, acpidump, fields, ioapicPins");
    }

    @Test
    void unknownKeyWithoutANearMiss() {
        assertError("name: x\ncolour: red\n", "scenarios/x.yaml:2:1: colour: unknown key 'colour'; allowed here:"
            + " name, description, strategy, platform, firmware, dom0, guests, traffic, expect");
    }

    @Test
    void missingRequiredKey() {
        assertError("guests:\n  - vcpus: 2\n", "scenarios/x.yaml:2:5: guests[0]: missing required key 'name'");
        assertError("platform:\n  pci:\n    - {name: nic, vendor: 1, device: 2}\n",
            "scenarios/x.yaml:3:7: platform.pci[0]: missing required key 'bdf'");
    }

    // ------------------------------------------------------------------ types

    @Test
    void wrongTypes() {
        assertError("platform: {cpus: two}\n", "scenarios/x.yaml:1:18: platform.cpus: expected a CPU count or a list"
            + " of {apicId: N}, got the string 'two'");
        assertError("guests: {name: a}\n", "scenarios/x.yaml:1:9: guests: expected a list, got a mapping");
        assertError("platform:\n", "scenarios/x.yaml:1:10: platform: expected a mapping (key: value), got an empty"
            + " value");
        assertError("traffic: [{device: \"00:03.0\", count: 1.5}]\n", "scenarios/x.yaml:1:38: traffic[0].count:"
            + " expected an integer, got the number 1.5");
        assertError("traffic: [{device: \"00:03.0\", count: \"10\"}]\n", "scenarios/x.yaml:1:38: traffic[0].count:"
            + " expected an integer, got the string '10'");
        assertError("guests: [{name: 5}]\n", "scenarios/x.yaml:1:17: guests[0].name: expected a string, got the"
            + " integer 5 (quote it to make it a string)");
        assertError("firmware: {links: [{name: LNKA, possible: [16], shareable: yes}]}\n",
            "scenarios/x.yaml:1:60: firmware.links[0].shareable: expected true or false, got the string 'yes'");
        assertError("dom0: {drivers: [3]}\n", "scenarios/x.yaml:1:18: dom0.drivers[0]: expected a PCI address BB:DD.F"
            + " such as \"00:03.0\", got the integer 3");
        assertError("name: \"\"\n", "scenarios/x.yaml:1:7: name: must not be empty");
    }

    @Test
    void leadingZeroIsOctalInYaml() {
        assertError("guests: [{name: d, vcpus: 010}]\n", "scenarios/x.yaml:1:27: guests[0].vcpus: '010' has a leading"
            + " zero, which YAML reads as octal (8); write it without the zero, or in hex as 0x...");
    }

    // ------------------------------------------------------------------ ranges

    @Test
    void outOfRangeNumbers() {
        assertError("platform:\n  ioapics: [{id: 2, address: 0x1fec00000, gsiBase: 0}]\n",
            "scenarios/x.yaml:2:30: platform.ioapics[0].address: 0x1fec00000 is out of range: must be"
                + " 0x0..0xffffff00");
        assertError("platform:\n  ioapics: [{id: 256, address: 0xfec00000, gsiBase: 0}]\n",
            "scenarios/x.yaml:2:18: platform.ioapics[0].id: 256 is out of range: must be 0..255");
        assertError("platform:\n  ioapics: [{id: 16, address: 0xfec00000, gsiBase: 0, version: 0x11}]\n",
            "scenarios/x.yaml:2:18: platform.ioapics[0].id: IO-APIC id 16 does not fit the 4-bit IOAPICID of an 82093AA"
                + " (version 0x11); give an id up to 15, or version 0x20");
        assertError("platform:\n  pci: [{bdf: \"00:03.0\", vendor: 0x10000, device: 1}]\n",
            "scenarios/x.yaml:2:34: platform.pci[0].vendor: 0x10000 is out of range: must be 0x0..0xffff");
        assertError("platform:\n  ioapics: [{id: 2, address: 0xfec00000, gsiBase: 0, pins: 121}]\n",
            "scenarios/x.yaml:2:60: platform.ioapics[0].pins: 121 is out of range: must be 1..120");
        assertError("dom0: {vcpus: 0}\n", "scenarios/x.yaml:1:15: dom0.vcpus: 0 is out of range: must be 1..64");
        assertError("expect: {delivered: 99999999999999999999}\n", "scenarios/x.yaml:1:21: expect.delivered:"
            + " 99999999999999999999 is out of range: must be 0 or more");
    }

    @Test
    void ioapicVersion() {
        assertError("platform:\n  ioapics: [{id: 2, address: 0xfec00000, gsiBase: 0, version: 0x21}]\n",
            "scenarios/x.yaml:2:63: platform.ioapics[0].version: IO-APIC version 0x21 is not modelled; allowed:"
                + " 0x11 (82093AA, no EOI register), 0x20 (with the EOI register)");
    }

    @Test
    void trafficCountAndIntervalMustNotBeNegative() {
        assertError("traffic: [{device: \"00:03.0\", count: -1}]\n",
            "scenarios/x.yaml:1:38: traffic[0].count: -1 is out of range: must be 0 or more");
        assertError("traffic: [{device: \"00:03.0\", intervalNs: -5}]\n",
            "scenarios/x.yaml:1:43: traffic[0].intervalNs: -5 is out of range: must be 0..1000000000");
    }

    @Test
    void virtualSlotOutsideOneToThirtyOne() {
        assertError("guests: [{name: d, passthrough: [{device: \"00:03.0\", slot: 32}]}]\n",
            "scenarios/x.yaml:1:60: guests[0].passthrough[0].slot: 32 is out of range: must be 1..31");
        assertError("guests: [{name: d, passthrough: [{device: \"00:03.0\", slot: 0}]}]\n",
            "scenarios/x.yaml:1:60: guests[0].passthrough[0].slot: 0 is out of range: must be 1..31");
    }

    // ------------------------------------------------------------------ names and enums

    @Test
    void unknownStrategyListsTheKnownOnes() {
        assertError("strategy: stats-quo\n", "scenarios/x.yaml:1:11: strategy: unknown strategy 'stats-quo' (did you"
            + " mean 'status-quo'?); known: default-level-low, dom0-map-pirq-setup-gsi, early-pirq-map,"
            + " hwdom-map-any-write, pciback-enable-device, pciback-setup-gsi, pciback-unmask, pv-dom0, status-quo,"
            + " xen-4.18");
        assertError("strategy: linux-6.12\n", "scenarios/x.yaml:1:11: strategy: unknown strategy 'linux-6.12'; known:"
            + " default-level-low, dom0-map-pirq-setup-gsi, early-pirq-map, hwdom-map-any-write,"
            + " pciback-enable-device, pciback-setup-gsi, pciback-unmask, pv-dom0, status-quo, xen-4.18");
    }

    @Test
    void unknownEnumValuesListTheAllowedOnes() {
        assertError("platform:\n  pci:\n    - {bdf: \"00:03.0\", vendor: 0x8086, device: 1, pin: inta}\n",
            "scenarios/x.yaml:3:56: platform.pci[0].pin: unknown value 'inta' (did you mean 'INTA'?); allowed: none,"
                + " INTA, INTB, INTC, INTD");
        assertError("dom0: {type: hvm}\n", "scenarios/x.yaml:1:14: dom0.type: unknown value 'hvm'; allowed: pv, pvh");
        assertError("expect: {physicalTrigger: Level}\n", "scenarios/x.yaml:1:27: expect.physicalTrigger: unknown"
            + " value 'Level' (did you mean 'level'?); allowed: level, edge, unset");
        assertError("firmware:\n  overrides: [{irq: 9, gsi: 9, polarity: active-low}]\n",
            "scenarios/x.yaml:2:42: firmware.overrides[0].polarity: unknown value 'active-low'; allowed: low, high");
        assertError("platform:\n  wiring:\n    isa: [{irq: 9, gsi: 9, kind: pcie}]\n",
            "scenarios/x.yaml:3:34: platform.wiring.isa[0].kind: unknown value 'pcie' (did you mean 'pci'?); allowed:"
                + " isa, pci");
    }

    @Test
    void expectAttachShape() {
        assertError("expect: {attach: EPERM}\n", "scenarios/x.yaml:1:18: expect.attach: 'EPERM' is neither ok nor"
            + " CALL:-ERRNO (e.g. irq_permission:-EPERM) nor 'attached, INTx disabled by QEMU (CALL:-ERRNO)'");
    }

    // ------------------------------------------------------------------ PCI addresses and cross references

    @Test
    void malformedPciAddress() {
        assertError("dom0: {drivers: [\"00:20.0\"]}\n", "scenarios/x.yaml:1:18: dom0.drivers[0]: invalid PCI address"
            + " bus=0 device=32 function=0 (bus 0..255, device 0..31, function 0..7)");
        assertError("dom0: {drivers: [\"0001:00:04.0\"]}\n", "scenarios/x.yaml:1:18: dom0.drivers[0]: '0001:00:04.0':"
            + " only PCI segment 0 is modelled");
    }

    @Test
    void duplicatePciAddresses() {
        assertError("platform:\n  pci:\n    - {bdf: \"00:03.0\", vendor: 0x8086, device: 1}\n"
                + "    - {bdf: \"0000:00:03.0\", vendor: 0x8086, device: 2}\n",
            "scenarios/x.yaml:4:13: platform.pci[1].bdf: duplicate PCI address 00:03.0: already given by"
                + " platform.pci[0]");
        assertError("dom0: {drivers: [\"00:04.0\", \"00:04.0\"]}\n",
            "scenarios/x.yaml:1:29: dom0.drivers[1]: 00:04.0 is already listed as dom0.drivers[0]");
        assertError("guests:\n  - {name: a, passthrough: [{device: \"00:03.0\", slot: 5}]}\n"
                + "  - {name: b, passthrough: [{device: \"00:03.0\", slot: 5}]}\n",
            "scenarios/x.yaml:3:38: guests[1].passthrough[0].device: 00:03.0 is already passed through by"
                + " guests[0].passthrough[0]");
        assertError("traffic: [{device: \"00:03.0\"}, {device: \"00:03.0\"}]\n",
            "scenarios/x.yaml:1:41: traffic[1].device: traffic for 00:03.0 is already given by traffic[0]; one entry"
                + " per device");
    }

    @Test
    void passthroughDeviceNotOnThePlatform() {
        assertError("guests:\n  - name: domU\n    passthrough: [{device: 00:07.0, slot: 5}]\n",
            "scenarios/x.yaml:3:28: guests[0].passthrough[0].device: 00:07.0 is not in platform.pci; the platform has"
                + " 00:00.0 (host), 00:03.0 (nic), 00:04.0 (ahci), 00:05.0 (uhci), 00:1e.0 (bridge), 01:02.0 (nic1)");
    }

    @Test
    void trafficDeviceNotOnThePlatform() {
        assertError("traffic: [{device: \"00:09.0\"}]\n", "scenarios/x.yaml:1:20: traffic[0].device: 00:09.0 is not in"
            + " platform.pci; the platform has 00:00.0 (host), 00:03.0 (nic), 00:04.0 (ahci), 00:05.0 (uhci),"
            + " 00:1e.0 (bridge), 01:02.0 (nic1)");
    }

    @Test
    void dom0DriverNotOnThePlatform() {
        assertError("dom0: {drivers: [\"00:04.0\", \"02:00.0\"]}\n", "scenarios/x.yaml:1:29: dom0.drivers[1]: 02:00.0"
            + " is not in platform.pci; the platform has 00:00.0 (host), 00:03.0 (nic), 00:04.0 (ahci), 00:05.0"
            + " (uhci), 00:1e.0 (bridge), 01:02.0 (nic1)");
    }

    @Test
    void devicesWithoutAnInterruptLine() {
        assertError("traffic: [{device: \"00:00.0\"}]\n", "scenarios/x.yaml:1:20: traffic[0].device: 00:00.0 (host) has"
            + " no interrupt pin (pin: none): it cannot raise INTx interrupts");
        assertError("guests: [{name: d, passthrough: [{device: \"00:1e.0\", slot: 3}]}]\n",
            "scenarios/x.yaml:1:43: guests[0].passthrough[0].device: 00:1e.0 (bridge) is a PCI-to-PCI bridge; pass"
                + " through the devices behind it");
        assertError("dom0: {drivers: [\"00:1e.0\"]}\n", "scenarios/x.yaml:1:18: dom0.drivers[0]: 00:1e.0 (bridge) is a"
            + " PCI-to-PCI bridge; dom0.drivers lists devices whose driver requests their INTx interrupt");
    }

    @Test
    void deviceBothDrivenByDom0AndPassedThrough() {
        // the file gives the passthrough: the error is there
        assertError("guests:\n  - name: domU\n    passthrough: [{device: \"00:04.0\", slot: 5}]\n",
            "scenarios/x.yaml:3:28: guests[0].passthrough[0].device: 00:04.0 is both passed through"
                + " (guests[0].passthrough[0]) and driven by dom0 (dom0.drivers[0]); a device dom0's own driver claims"
                + " cannot be given to pciback");
        // the file gives only dom0 (guests are the default's): the error is at dom0
        assertError("dom0: {drivers: [\"00:03.0\"]}\n",
            "scenarios/x.yaml:1:18: dom0.drivers[0]: 00:03.0 is both passed through (guests[0].passthrough[0]) and"
                + " driven by dom0 (dom0.drivers[0]); a device dom0's own driver claims cannot be given to pciback");
    }

    @Test
    void virtualSlotUsedTwiceInAGuest() {
        assertError("dom0: {drivers: []}\nguests:\n  - name: domU\n    passthrough:\n"
                + "      - {device: \"00:03.0\", slot: 5}\n      - {device: 01:02.0, slot: 5}\n",
            "scenarios/x.yaml:6:33: guests[0].passthrough[1].slot: virtual slot 5 is already used by"
                + " guests[0].passthrough[0] in the same guest");
    }

    @Test
    void sameSlotInTwoGuestsIsFine() {
        final Scenario s = ScenarioLoader.parse("dom0: {drivers: []}\nguests:\n"
            + "  - {name: a, passthrough: [{device: \"00:03.0\", slot: 5}]}\n"
            + "  - {name: b, passthrough: [{device: \"00:04.0\", slot: 5}]}\n", FILE, STRATEGIES);
        assertEquals(2, s.guests().size());
    }

    @Test
    void duplicateGuestNames() {
        assertError("guests: [{name: a}, {name: a}]\n",
            "scenarios/x.yaml:1:28: guests[1].name: a guest named 'a' is already given by guests[0]");
    }

    // ------------------------------------------------------------------ platform consistency

    @Test
    void busWithoutABridge() {
        assertError("platform:\n  pci:\n    - {bdf: \"02:03.0\", vendor: 0x8086, device: 1, pin: INTA}\n",
            "scenarios/x.yaml:3:13: platform.pci[0].bdf: 02:03.0 is on bus 2, but no device in platform.pci has"
                + " bridgeTo: 2");
    }

    @Test
    void bridgeWithAnInterruptPin() {
        assertError("platform:\n  pci:\n    - {bdf: \"00:1e.0\", vendor: 0x8086, device: 1, bridgeTo: 1, pin: INTA}\n",
            "scenarios/x.yaml:3:69: platform.pci[0].pin: a PCI-to-PCI bridge has no interrupt pin of its own here: its"
                + " secondary bus's lines are swizzled onto its slot; write pin: none or leave it out");
    }

    @Test
    void overlappingIoapics() {
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0xfec00000, gsiBase: 0}\n"
                + "    - {id: 3, address: 0xfec01000, gsiBase: 16}\n",
            "scenarios/x.yaml:4:45: platform.ioapics[1].gsiBase: GSIs 16..39 overlap GSIs 0..23 of platform.ioapics[0]");
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0xfec00000, gsiBase: 0}\n"
                + "    - {id: 2, address: 0xfec01000, gsiBase: 24}\n",
            "scenarios/x.yaml:4:12: platform.ioapics[1].id: IO-APIC id 2 is already used by platform.ioapics[0]");
    }

    @Test
    void overlappingIoapicWindows() {
        // 1 KiB-aligned windows (the only addresses Xen maps) overlap only at the same address
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0xfec00000, gsiBase: 0}\n"
                + "    - {id: 3, address: 0xfec00000, gsiBase: 24}\n",
            "scenarios/x.yaml:4:24: platform.ioapics[1].address: IO-APIC id 3's register window 0xfec00000-0xfec000ff"
                + " overlaps IO-APIC id 2's register window 0xfec00000-0xfec000ff (platform.ioapics[0])");
    }

    // the Jazzer scenario-loader campaign's finding: loaded, then MmioBus.map threw while assigning the NIC's BAR0
    @Test
    void ioapicInsideTheBarWindowOfTheNic() {
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0xfe000c00, gsiBase: 0}\n",
            "scenarios/x.yaml:3:24: platform.ioapics[0].address: IO-APIC id 2's register window 0xfe000c00-0xfe000cff"
                + " overlaps the BAR0 slot of 00:03.0 (nic) 0xfe000000-0xfe00ffff (the PCI BAR window"
                + " 0xfe000000-0xfe03ffff: 64 KiB for BAR0 of each of the 4 PCI devices with an interrupt pin)");
    }

    @Test
    void ioapicOnTheLocalApicPage() {
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0xfee00000, gsiBase: 0}\n",
            "scenarios/x.yaml:3:24: platform.ioapics[0].address: IO-APIC id 2's register window 0xfee00000-0xfee000ff"
                + " overlaps the local APIC page 0xfee00000-0xfee00fff");
    }

    // xen/arch/x86/io_apic.c:ioapic_init_mappings@RELEASE-4.20.0: an IO-APIC address of 0 or not 1 KiB aligned makes
    // Xen disable IO-APIC support; the same check as for the MADT's IO-APICs, refused at the address
    @Test
    void ioapicAddressXenCallsBogus() {
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0xfec00100, gsiBase: 0}\n",
            "scenarios/x.yaml:3:24: platform.ioapics[0].address: IO-APIC id 2's address 0xfec00100 is not 1 KiB"
                + " aligned: Xen says \"bogus IO-APIC address found, disabling IO-APIC support\" (ioapic_init_mappings)"
                + " and would take every interrupt through the 8259 PIC, which irqsim does not model");
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0, gsiBase: 0}\n",
            "scenarios/x.yaml:3:24: platform.ioapics[0].address: IO-APIC id 2's address 0x00000000 is 0: Xen says"
                + " \"bogus IO-APIC address found, disabling IO-APIC support\" (ioapic_init_mappings) and would take"
                + " every interrupt through the 8259 PIC, which irqsim does not model");
    }

    /** {@code count} PCI endpoints with INTA on bus 0, 00:01.0 up, skipping the default's bridge slot 0x1e. */
    private static String endpoints(final int count) {
        final StringBuilder sb = new StringBuilder("platform:\n  pci:\n");
        for (int i = 0, dev = 1; i < count; dev++) {
            for (int fn = 0; fn < 8 && i < count; fn++, i++) {
                sb.append(String.format("    - {bdf: \"00:%02x.%d\", vendor: 0x8086, device: 1, pin: INTA}%n", dev, fn));
            }
        }
        return sb.toString();
    }

    @Test
    void moreEndpointsThanTheBarWindowBelowTheDefaultIoapicHolds() {
        // 192 slots of 64 KiB fill 0xfe000000-0xfebfffff; the 193rd is the default IO-APIC's 0xfec00000; the
        // file gives no IO-APICs, so the error points at the device whose slot is in the way
        assertEquals(192, ScenarioLoader.parse(endpoints(192) + "dom0: {drivers: []}\nguests: []\ntraffic: []\n",
            FILE, STRATEGIES).platform().pci().size());
        assertError(endpoints(193), "scenarios/x.yaml:195:7: platform.pci[192]: IO-APIC id 2's register window"
            + " 0xfec00000-0xfec000ff overlaps the BAR0 slot of 00:19.0 0xfec00000-0xfec0ffff (the PCI BAR"
            + " window 0xfe000000-0xfec0ffff: 64 KiB for BAR0 of each of the 193 PCI devices with an interrupt pin)");
    }

    @Test
    void gsisPastXensDefaultLimit() {
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0xfec00000, gsiBase: 0}\n"
                + "    - {id: 3, address: 0xfec01000, gsiBase: 4090, pins: 8}\n",
            "scenarios/x.yaml:4:57: platform.ioapics[1].pins: GSIs 4090..4097 go past GSI 4095: irqsim models at most"
                + " 4096 GSIs, Xen's default max_gsi_irqs (it ignores the GSIs above)");
        // a GSI base near 2^31 sized a wire table of 2^31 entries: OutOfMemoryError
        assertError("platform:\n  ioapics:\n    - {id: 2, address: 0xfec00000, gsiBase: 0}\n"
            + "    - {id: 3, address: 0xfec01000, gsiBase: 2000000000}\n",
            "scenarios/x.yaml:4:45: platform.ioapics[1].gsiBase: 2000000000 is out of range: must be 0..4095");
    }

    @Test
    void wiringToAGsiNoIoapicHas() {
        assertError("platform:\n  wiring:\n    intx: [{slot: 3, pin: INTA, gsi: 24}]\n",
            "scenarios/x.yaml:3:38: platform.wiring.intx[0].gsi: GSI 24 is not on any IO-APIC (the IO-APICs have GSIs"
                + " 0..23)");
    }

    @Test
    void oneElectricalKindPerGsi() {
        assertError("platform:\n  wiring:\n    isa: [{irq: 5, gsi: 16}]\n", "scenarios/x.yaml:2:3:"
            + " platform.wiring.intx[0].gsi: GSI 16 is already wired to platform.wiring.isa[0] as an ISA (active-high)"
            + " line, and this is a PCI (shared active-low) line; one GSI's line has one electrical kind (isa:"
            + " active-high, pci: shared active-low) (platform.wiring.intx is the built-in default: the file does not"
            + " give it)");
    }

    @Test
    void defaultSectionsThatDoNotFitTheFilesPlatform() {
        // a 16-pin IO-APIC: the default wiring's GSIs 16..23 do not exist
        assertError("platform:\n  ioapics: [{id: 2, address: 0xfec00000, gsiBase: 0, pins: 16}]\n",
            "scenarios/x.yaml:1:1: platform.wiring.intx[0].gsi: GSI 16 is not on any IO-APIC (the IO-APICs have GSIs"
                + " 0..15) (platform.wiring is the built-in default: the file does not give it)");
        // wiring fits, the default firmware does not: reported at the platform key
        assertError("platform:\n  ioapics: [{id: 2, address: 0xfec00000, gsiBase: 0, pins: 17}]\n"
                + "  wiring: {intx: [{slot: 3, pin: INTA, gsi: 16}]}\n",
            "scenarios/x.yaml:1:1: firmware.prt.0[1].gsi: GSI 17 is not on any IO-APIC (the IO-APICs have GSIs 0..16)"
                + " (firmware is the built-in default: the file does not give it)");
        // the default dom0 drives devices the file's platform does not have
        assertError("name: n\nplatform:\n  pci: [{bdf: \"00:03.0\", vendor: 0x8086, device: 1, pin: INTA}]\n",
            "scenarios/x.yaml:2:1: dom0.drivers[0]: 00:04.0 is not in platform.pci; the platform has 00:03.0"
                + " (00:03.0) (dom0 is the built-in default: the file does not give it)");
    }

    @Test
    void firmwareNamesALinkThatDoesNotExist() {
        assertError("firmware:\n  prt:\n    0: [{device: 3, pin: INTA, link: LNKB}]\n",
            "scenarios/x.yaml:3:38: firmware.prt.0[0].link: no link device named 'LNKB' (did you mean 'LNKA'?);"
                + " firmware.links has LNKA");
        assertError("firmware:\n  links: [{name: LNKB, possible: [16]}]\n",
            "scenarios/x.yaml:1:1: firmware.prt.0[0].link: no link device named 'LNKA' (did you mean 'LNKB'?);"
                + " firmware.links has LNKB (firmware.prt is the built-in default: the file does not give it)");
    }

    @Test
    void firmwareEntryShapes() {
        assertError("firmware:\n  prt:\n    0: [{device: 3, pin: INTA, link: LNKA, gsi: 16}]\n",
            "scenarios/x.yaml:3:9: firmware.prt.0[0]: give either link or gsi, not both");
        assertError("firmware:\n  prt:\n    0: [{device: 3, pin: INTA}]\n",
            "scenarios/x.yaml:3:9: firmware.prt.0[0]: missing 'link' (a link device name) or 'gsi' (a hard-wired GSI)");
        assertError("firmware:\n  prt:\n    bus0: []\n", "scenarios/x.yaml:3:5: firmware.prt.bus0: 'bus0' is not a bus"
            + " number: the keys of prt are decimal bus numbers 0..255");
        assertError("firmware:\n  links: [{name: LNKA, possible: [16, 17], current: 18}]\n",
            "scenarios/x.yaml:2:53: firmware.links[0].current: 18 is not in possible [16, 17] (0 = disabled)");
        assertError("firmware:\n  links: [{name: LNKA, possible: [16], extended: false}]\n",
            "scenarios/x.yaml:2:35: firmware.links[0].possible[0]: 16 does not fit an IRQ descriptor (extended: false"
                + " holds ISA IRQs 0..15); use extended: true for GSIs");
        assertError("firmware:\n  links: [{name: LINKA, possible: [16]}]\n", "scenarios/x.yaml:2:18:"
            + " firmware.links[0].name: 'LINKA' is not an ACPI name: 1..4 characters A-Z, 0-9, _, not starting with a"
            + " digit, e.g. LNKA");
    }

    // ------------------------------------------------------------------ vfio-user devices

    @Test
    void vfioUserSocketMustBeAUnixAddress() {
        assertError("guests: [{name: d, vfioUser: [{socket: /tmp/s, slot: 6}]}]\n", "scenarios/x.yaml:1:40:"
            + " guests[0].vfioUser[0].socket: '/tmp/s' is not a vfio-user socket: write unix:PATH (vfio-user servers"
            + " listen on a Unix socket)");
        assertError("guests: [{name: d, vfioUser: [{socket: 'unix:', slot: 6}]}]\n", "scenarios/x.yaml:1:40:"
            + " guests[0].vfioUser[0].socket: 'unix:' is not a vfio-user socket: write unix:PATH (vfio-user servers"
            + " listen on a Unix socket)");
    }

    @Test
    void vfioUserIrqIsIntxOrMsi() {
        assertError("guests: [{name: d, vfioUser: [{socket: 'unix:/s', slot: 6, irq: mis}]}]\n",
            "scenarios/x.yaml:1:65: guests[0].vfioUser[0].irq: unknown value 'mis' (did you mean 'msi'?); allowed:"
            + " intx, msi, msix");
    }

    @Test
    void vfioUserSocketPathLongerThanSunPathIsRefused() {
        final String path = "/" + "a".repeat(107);
        assertError("guests: [{name: d, vfioUser: [{socket: \"unix:" + path + "\", slot: 6}]}]\n",
            "scenarios/x.yaml:1:40: guests[0].vfioUser[0].socket: socket path '" + path + "' does not fit a Unix"
                + " socket address: at most 107 bytes, no NUL");
    }

    @Test
    void vfioUserSlotTakenByAPassthroughDeviceIsRefused() {
        assertError("guests: [{name: d, passthrough: [{device: \"00:03.0\", slot: 6}], vfioUser: [{socket:"
                + " \"unix:/tmp/s\", slot: 6}]}]\n",
            "scenarios/x.yaml:1:106: guests[0].vfioUser[0].slot: virtual slot 6 is already used by"
                + " guests[0].passthrough[0] in the same guest");
        assertError("guests: [{name: d, vfioUser: [{socket: \"unix:/tmp/a\", slot: 7}, {socket: \"unix:/tmp/b\","
                + " slot: 7}]}]\n",
            "scenarios/x.yaml:1:95: guests[0].vfioUser[1].slot: virtual slot 7 is already used by"
                + " guests[0].vfioUser[0] in the same guest");
    }

    @Test
    void vfioUserEntryNeedsSocketAndSlotInRange() {
        assertTrue(error("guests: [{name: d, vfioUser: [{slot: 6}]}]\n").getMessage().contains("socket"));
        assertEquals("guests[0].vfioUser[0].slot",
            error("guests: [{name: d, vfioUser: [{socket: 'unix:/s', slot: 32}]}]\n").path());
        assertEquals("guests[0].vfioUser[0].interrupts",
            error("guests: [{name: d, vfioUser: [{socket: 'unix:/s', slot: 6, interrupts: -1}]}]\n").path());
    }
}
