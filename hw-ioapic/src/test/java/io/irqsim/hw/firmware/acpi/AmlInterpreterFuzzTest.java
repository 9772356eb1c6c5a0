package io.irqsim.hw.firmware.acpi;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the AML interpreter: the fuzzer's bytes become the body of a DSDT
 * (with a fuzzer-chosen revision, which decides 32- or 64-bit integers), which is loaded, every
 * method in it evaluated with integer arguments, and PCI routing ({@code _PIC}, {@code _PRT}, link
 * devices) read from it, with {@link AmlRobustnessTest}'s rule: a clear {@link AmlException} from
 * one evaluation is fine, anything escaping load or routing is a finding. The seeds are the
 * iasl-compiled fixtures' AML bodies; docs/fuzzing.md runs a campaign.
 */
class AmlInterpreterFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void anyAmlIsLoadedEvaluatedAndRoutedWithoutEscaping(final FuzzedDataProvider data) {
        final int revision = data.consumeInt(0, 2);
        final byte[] body = data.consumeRemainingAsBytes();
        AmlRobustnessTest.survives(AmlRobustnessTest.withBody(body, revision), "fuzz input");
    }
}
