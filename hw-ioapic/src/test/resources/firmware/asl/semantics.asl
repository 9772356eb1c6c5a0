/*
 * irqsim fixture: one method per AML construct, each returning a value the test knows from the
 * ACPI 6.5 semantics (chapter 19). Compile: see compile.sh.
 */
DefinitionBlock ("", "SSDT", 2, "IRQSIM", "SEMANTIC", 0x00000001)
{
    Name (\GINT, 0x05)
    Name (\GSTR, "abc")
    Name (\GBUF, Buffer (0x04) { 0x01, 0x02, 0x03, 0x04 })
    Name (\GPKG, Package (0x03) { One, "two", Buffer (One) { 0x03 } })
    Alias (\GINT, \GALI)

    Method (\ARIT, 0, NotSerialized)
    {
        Local0 = ((0x10 + 0x05) * 0x03)        // 63
        Local0 -= 0x03                           // 60
        Divide (Local0, 0x07, Local1, Local2)    // rem 4, quo 8
        Return (((Local2 << 0x08) | (Local1 << 0x04)) | (Local0 % 0x0B))  // 0x800 | 0x40 | 5
    }

    Method (\LOGI, 0, NotSerialized)
    {
        Local0 = Zero
        If ((0x03 > 0x02) && !(0x01 == 0x02))
        {
            Local0 |= One
        }
        If ((0x03 < 0x02) || (0x05 != 0x05))
        {
            Local0 |= 0x02
        }
        Else
        {
            Local0 |= 0x04
        }
        If ("abc" == \GSTR)
        {
            Local0 |= 0x08
        }
        Return (Local0)  // 0x0D
    }

    Method (\LOOP, 1, NotSerialized)
    {
        Local0 = Zero
        Local1 = Zero
        While ((Local1 < Arg0))
        {
            Local1++
            If ((Local1 == 0x03))
            {
                Continue
            }
            If ((Local1 > 0x06))
            {
                Break
            }
            Local0 += Local1
        }
        Return (Local0)  // Arg0 = 10: 1+2+4+5+6 = 18
    }

    Method (\SWIT, 1, Serialized)
    {
        Switch (ToInteger (Arg0))
        {
            Case (One)
            {
                Return ("one")
            }
            Case (Package (0x02) { 0x02, 0x03 })
            {
                Return ("two or three")
            }
            Default
            {
                Return ("other")
            }
        }
    }

    Method (\RECU, 1, NotSerialized)
    {
        If ((Arg0 <= One))
        {
            Return (One)
        }
        Return ((Arg0 * RECU ((Arg0 - One))))
    }

    Method (\BUFS, 0, Serialized)
    {
        Name (BUF0, Buffer (0x08) {})
        CreateDWordField (BUF0, Zero, DW0)
        CreateWordField (BUF0, 0x04, WD0)
        CreateByteField (BUF0, 0x06, BY0)
        CreateBitField (BUF0, 0x3F, BT0)
        DW0 = 0x12345678
        WD0 = 0xABCD
        BY0 = 0xEF
        BT0 = One
        Return (BUF0)  // 78 56 34 12 CD AB EF 80
    }

    Method (\PKGS, 0, NotSerialized)
    {
        Local0 = Package (0x03) { 0x0A, 0x0B, 0x0C }
        Local0 [One] = 0x2B
        Local1 = (DerefOf (Local0 [Zero]) + DerefOf (Local0 [One]))  // 10 + 43 = 53
        Local2 = SizeOf (\GPKG)                                        // 3
        Local3 = Match (Local0, MEQ, 0x0C, MTR, Zero, Zero)           // 2
        Return (((Local1 * 0x0100) + (Local2 * 0x10)) + Local3)       // 0x3532
    }

    Method (\STRS, 0, NotSerialized)
    {
        Local0 = Concatenate (\GSTR, "def")              // "abcdef"
        Local1 = Mid (Local0, 0x02, 0x03)                 // "cde"
        Local2 = ToHexString (0x1F)                       // "0x1F"
        Return (Concatenate (Concatenate (Local1, "-"), Local2))  // "cde-0x1F"
    }

    Method (\CONV, 0, NotSerialized)
    {
        Local0 = ToInteger ("0x20")                       // 32
        Local1 = ToInteger (\GBUF)                        // 0x04030201
        Local2 = FindSetLeftBit (0x80)                    // 8
        Local3 = FindSetRightBit (0x80)                   // 8
        Return ((((Local1 + Local0) + Local2) + Local3))  // 0x04030231
    }

    Method (\REFS, 0, NotSerialized)
    {
        Local0 = RefOf (\GINT)
        Local1 = DerefOf (Local0)                         // 5
        \GALI = 0x07                                      // through the alias
        Local2 = ObjectType (\GSTR)                       // 2
        Local3 = Zero
        If (CondRefOf (\NOPE))
        {
            Local3 = 0x64
        }
        If (CondRefOf (\GINT))
        {
            Local3 += One
        }
        Return ((((Local1 * 0x1000) + (\GINT * 0x0100)) + (Local2 * 0x10)) + Local3)  // 0x5721
    }

    Method (\SETA, 1, NotSerialized)
    {
        Arg0 = 0x42
    }

    Method (\ARGR, 0, NotSerialized)
    {
        Name (TMP0, Zero)
        SETA (RefOf (TMP0))
        Return (TMP0)  // 0x42: stored through the reference
    }

    Method (\VPKG, 1, NotSerialized)
    {
        Local0 = Package (Arg0) {}
        Return (SizeOf (Local0))
    }

    Method (\OSIQ, 0, NotSerialized)
    {
        Local0 = Zero
        If (_OSI ("Windows 2009"))
        {
            Local0 |= One
        }
        If (_OSI ("Linux"))
        {
            Local0 |= 0x02
        }
        Return (Local0)  // 1
    }

    Method (\NOTE, 0, NotSerialized)
    {
        Local0 = ~Zero
        Return (Local0)  // all ones, 64 bits in a revision-2 table
    }
}
