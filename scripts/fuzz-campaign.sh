#!/usr/bin/env bash
# Runs one Jazzer campaign: ./scripts/fuzz-campaign.sh MODULE TestClass#method [DURATION]
# e.g. ./scripts/fuzz-campaign.sh hw-ioapic IoApicLapicMmioFuzzTest#registerModelsKeepTheirInvariantsUnderAnyOperations 10m
# Runs at nice 10, time-boxed by JAZZER_MAX_DURATION. The corpus the fuzzer grows goes to
# MODULE/.cifuzz-corpus/ (not committed); a crashing input is written next to the seeds in
# MODULE/src/test/resources/<package>/<TestClass>Inputs/<method>/crash-<sha1>, where the normal
# build replays it from then on (see docs/fuzzing.md). Log: MODULE/target/fuzz-<TestClass>-<method>.log
set -euo pipefail
module=$1
target=$2
duration=${3:-10m}
cd "$(dirname "$0")/.."
log="$module/target/fuzz-${target//#/-}.log"
mkdir -p "$module/target"
echo "campaign $target for $duration, log $log"
start=$(date +%s)
status=0
JAZZER_FUZZ=1 JAZZER_MAX_DURATION="$duration" nice -n 10 ./mvnw -B -q test -pl "$module" -am \
    -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.hooks=true >"$log" 2>&1 || status=$?
end=$(date +%s)
grep -E '^#[0-9]+ +DONE|^Done [0-9]+ runs' "$log" | tail -2 || true
echo "$target: exit $status after $((end - start)) s"
exit $status
