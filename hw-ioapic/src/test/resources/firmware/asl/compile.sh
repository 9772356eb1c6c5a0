#!/bin/sh
# Recompiles every fixture NAME.asl here to NAME.aml with ACPICA's iasl (Debian: acpica-tools): AML
# (DefinitionBlock) and static data tables (the madt-*.asl, in iasl's "[len] Field : value" form) alike.
# The .aml files are checked in so that the tests need no iasl. Run: sh compile.sh
set -eu
cd "$(dirname "$0")"
for f in *.asl; do
  iasl -vs -p "${f%.asl}" "$f" > /dev/null
done
ls -l *.aml
