#!/bin/sh
# Regenerates NAME.expected for every NAME.acpi.gz here with ACPICA's own tools (Debian package
# acpica-tools: acpixtract, iasl, acpiexec), never with irqsim:
#   - IO-APICs and interrupt source overrides from `iasl -d apic.dat` (the MADT disassembly),
#   - the SCI from `iasl -d facp.dat`,
#   - the host bridge's _PRT from `acpiexec -di` evaluating \_PIC(1) then \_SB.PCI0._PRT
#     (every dump here names its host bridge \_SB.PCI0; -di: no _INI/_STA at load, as irqsim).
# Run from this directory: sh generate-expected.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for gz in "$here"/*.acpi.gz; do
  name=$(basename "$gz" .acpi.gz)
  work=$(mktemp -d)
  gunzip -c "$gz" > "$work/dump.acpi"
  (cd "$work" && acpixtract -a dump.acpi > /dev/null && iasl -d apic.dat facp.dat > /dev/null 2>&1)
  {
    awk -F' : ' 'function hex(s,   i, c, v) { s = toupper(s); gsub(/[^0-9A-F]/, "", s); v = 0; for (i = 1; i <= length(s); i++) { c = index("0123456789ABCDEF", substr(s, i, 1)) - 1; v = v * 16 + c } return v }
      /Subtable Type : 01 \[I\/O APIC\]/ { io = 1; next }
      /Subtable Type : 02 \[Interrupt Source Override\]/ { iso = 1; next }
      io && /I\/O Apic ID/ { id = $2 }
      io && /Address/ { addr = $2 }
      io && /Interrupt/ { printf "ioapic id=%d address=0x%s gsibase=%d\n", hex(id), addr, hex($2); io = 0 }
      iso && /Bus/ { bus = $2 }
      iso && /Source/ { src = $2 }
      iso && /Interrupt/ { gsi = $2 }
      iso && /Polarity/ { pol = $2 }
      iso && /Trigger Mode/ { printf "override bus=%d irq=%d gsi=%d polarity=%d trigger=%d\n", hex(bus), hex(src), hex(gsi), pol, $2; iso = 0 }
    ' "$work/apic.dsl" | sed 's/ *$//'
    awk -F' : ' 'function hex(s,   i, c, v) { s = toupper(s); gsub(/[^0-9A-F]/, "", s); v = 0; for (i = 1; i <= length(s); i++) { c = index("0123456789ABCDEF", substr(s, i, 1)) - 1; v = v * 16 + c } return v }
      /SCI Interrupt/ { printf "sci %d\n", hex($2) }' "$work/facp.dsl"
    (cd "$work" && acpiexec -di -b 'evaluate \_PIC 1; evaluate \_SB.PCI0._PRT' dsdt.dat $(ls ssdt*.dat 2>/dev/null) 2>&1) |
      sed -n '/^Evaluating \\_SB.PCI0._PRT/,$p' |
      awk 'function hex(s,   i, c, v) { s = toupper(s); gsub(/[^0-9A-F]/, "", s); v = 0; for (i = 1; i <= length(s); i++) { c = index("0123456789ABCDEF", substr(s, i, 1)) - 1; v = v * 16 + c } return v }
        /Contains 4 Elements/ { n = 0; next }
        /\[Integer\] =/ || /\[Object Reference\]/ {
          n++
          if (n == 1) { split($0, a, "= "); dev = int(hex(a[2]) / 65536) }
          if (n == 2) { split($0, a, "= "); pin = hex(a[2]) }
          if (n == 3) { if ($0 ~ /Object Reference/) { match($0, /Name [A-Z0-9_]+/); src = substr($0, RSTART + 5, RLENGTH - 5) } else src = "" }
          if (n == 4) {
            split($0, a, "= ")
            if (src == "") printf "prt \\_SB.PCI0 device=%d pin=%d gsi=%d\n", dev, pin, hex(a[2])
            else printf "prt \\_SB.PCI0 device=%d pin=%d link=%s\n", dev, pin, src
          }
        }'
  } > "$here/$name.expected"
  rm -rf "$work"
  echo "$name: $(wc -l < "$here/$name.expected") lines"
done
