/*
 * irqsim fixture: a chipset-style DSDT for PCI interrupt routing.
 * \_PIC chooses PICM; the host bridge's _PRT is a Method returning AR00 (APIC) or PR00 (PIC);
 * a root port builds its _PRT in a loop; link devices read the PIRQ router through an
 * OperationRegion field (no hardware in irqsim: defaulted) and use IRQ and Extended Interrupt
 * descriptors. Compile: see compile.sh.
 */
DefinitionBlock ("", "DSDT", 2, "IRQSIM", "ROUTING", 0x00000001)
{
    External (\_SB.PCI0.XTRA, DeviceObj)
    Name (PICM, Zero)
    Method (_PIC, 1, NotSerialized)
    {
        PICM = Arg0
    }

    Scope (\_SB)
    {
        Device (PCI0)
        {
            Name (_HID, EisaId ("PNP0A08"))
            Name (_CID, EisaId ("PNP0A03"))
            Name (_BBN, Zero)
            Name (_UID, Zero)
            Name (PR00, Package (0x03)
            {
                Package (0x04) { 0x0003FFFF, Zero, LNKA, Zero },
                Package (0x04) { 0x0004FFFF, Zero, \_SB.LNKB, Zero },
                Package (0x04) { 0x001FFFFF, One, Zero, 0x0B }
            })
            Name (AR00, Package (0x04)
            {
                Package (0x04) { 0x0003FFFF, Zero, Zero, 0x10 },
                Package (0x04) { 0x0004FFFF, Zero, LNKB, Zero },
                Package (0x04) { 0x001FFFFF, One, Zero, 0x13 },
                Package (0x04) { 0x001CFFFF, 0x03, Zero, 0x17 }
            })
            Method (_PRT, 0, NotSerialized)
            {
                If (PICM)
                {
                    Return (AR00)
                }
                Return (PR00)
            }

            OperationRegion (PIRQ, PCI_Config, 0x60, 0x04)
            Field (PIRQ, ByteAcc, NoLock, Preserve)
            {
                PIRA,   8,
                PIRB,   8,
                Offset (0x03),
                PIRD,   8
            }

            Device (RP01)
            {
                Name (_ADR, 0x001C0000)
                Method (_PRT, 0, NotSerialized)
                {
                    Local0 = Package (0x04) {}
                    Local1 = Zero
                    While (One)
                    {
                        If (Local1 >= 0x04)
                        {
                            Break
                        }
                        Local0 [Local1] = Package (0x04) { 0xFFFF, Zero, Zero, Zero }
                        Local2 = DerefOf (Local0 [Local1])
                        Local2 [One] = Local1
                        Local2 [0x03] = (0x10 + ((Local1 + 0x02) % 0x04))
                        Local1++
                    }
                    Return (Local0)
                }
            }
        }

        Device (LNKA)
        {
            Name (_HID, EisaId ("PNP0C0F"))
            Name (_UID, One)
            Method (_STA, 0, NotSerialized)
            {
                If (\_SB.PCI0.PIRA & 0x80)
                {
                    Return (0x09)
                }
                Return (0x0B)
            }
            Name (PRSA, ResourceTemplate ()
            {
                IRQ (Level, ActiveLow, Shared, ) {3,4,5,7,10,11}
            })
            Method (_PRS, 0, NotSerialized)
            {
                Return (PRSA)
            }
            Method (_CRS, 0, Serialized)
            {
                Name (RTLA, ResourceTemplate ()
                {
                    IRQ (Level, ActiveLow, Shared, ) {}
                })
                CreateWordField (RTLA, One, IRQ0)
                IRQ0 = Zero
                IRQ0 = (One << (\_SB.PCI0.PIRA & 0x0F))
                Return (RTLA)
            }
            Method (_SRS, 1, Serialized)
            {
                CreateWordField (Arg0, One, IRQ0)
                FindSetRightBit (IRQ0, Local0)
                Local0--
                \_SB.PCI0.PIRA = Local0
            }
            Method (_DIS, 0, NotSerialized)
            {
                \_SB.PCI0.PIRA |= 0x80
            }
        }

        Device (LNKB)
        {
            Name (_HID, "PNP0C0F")
            Name (_UID, "B")
            Name (_PRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveLow, Shared, ,, )
                {
                    0x00000014,
                    0x00000015,
                }
            })
            Name (_CRS, ResourceTemplate ()
            {
                Interrupt (ResourceConsumer, Level, ActiveLow, Shared, ,, )
                {
                    0x00000015,
                }
            })
        }

        Alias (LNKB, LNKX)
    }
}
