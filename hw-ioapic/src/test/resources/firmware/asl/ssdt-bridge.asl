/*
 * irqsim fixture: an SSDT that adds a bridge below the DSDT's host bridge through External and
 * Scope, with a _PRT naming a link device of the DSDT by its full path.
 */
DefinitionBlock ("", "SSDT", 2, "IRQSIM", "BRIDGE", 0x00000001)
{
    External (\_SB.PCI0, DeviceObj)
    External (\_SB.LNKA, DeviceObj)

    Scope (\_SB.PCI0)
    {
        Device (P2P1)
        {
            Name (_ADR, 0x001E0000)
            Name (_PRT, Package (0x02)
            {
                Package (0x04) { 0x0002FFFF, Zero, \_SB.LNKA, Zero },
                Package (0x04) { 0x0002FFFF, One, Zero, 0x12 }
            })
        }
    }
}
