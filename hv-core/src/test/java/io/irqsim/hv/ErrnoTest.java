package io.irqsim.hv;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Hypercall results as a Xen developer reads them: the numbers of Xen's
 * {@code xen/include/public/errno.h} (RELEASE-4.18.0 and RELEASE-4.20.0, the same as Linux x86),
 * negated, printed by name.
 */
class ErrnoTest {

    // public/errno.h: each value and its name, as hypercalls return it (negated)
    @ParameterizedTest(name = "-{0} = {1}")
    @CsvSource({
        "1, -EPERM", "2, -ENOENT", "3, -ESRCH", "12, -ENOMEM", "13, -EACCES", "14, -EFAULT",
        "16, -EBUSY", "17, -EEXIST", "19, -ENODEV", "22, -EINVAL", "28, -ENOSPC", "34, -ERANGE",
        "38, -ENOSYS", "95, -EOPNOTSUPP",
    })
    void aNegativeResultIsNamedAfterItsErrno(final int errno, final String name) {
        assertEquals(name, Errno.name(-errno));
    }

    // a hypercall's non-negative result (success, or a value such as a pirq) prints as a number
    @Test
    void successAndReturnedValuesPrintAsNumbers() {
        assertEquals("0", Errno.name(0));
        assertEquals("16", Errno.name(16));
    }

    // an errno irqsim has no name for still prints as Xen's number, negated
    @Test
    void anUnnamedErrnoPrintsAsItsNegativeNumber() {
        assertEquals("-99", Errno.name(-99));
    }

    // public/errno.h numbers irqsim relies on for -1 = -EPERM (4.18 allocate_pirq)
    @Test
    void theConstantsHaveXensNumbers() {
        assertEquals(1, Errno.EPERM);
        assertEquals(16, Errno.EBUSY);
        assertEquals(22, Errno.EINVAL);
        assertEquals(38, Errno.ENOSYS);
    }
}
