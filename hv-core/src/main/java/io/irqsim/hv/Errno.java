package io.irqsim.hv;

/**
 * The errno values Xen's hypercalls return, negated as Xen returns them ({@code -EPERM} is -1),
 * with the numbers of Xen's {@code public/errno.h} (the same as Linux x86).
 */
public final class Errno {

    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory (Xen: no such entry). */
    public static final int ENOENT = 2;
    /** No such process (Xen: no such domain). */
    public static final int ESRCH = 3;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** Already exists. */
    public static final int EEXIST = 17;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** No space left. */
    public static final int ENOSPC = 28;
    /** Result out of range. */
    public static final int ERANGE = 34;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;

    private Errno() {
    }

    /**
     * Name of a hypercall result: {@code "0"} for success, {@code "-EPERM"} for -1, a positive
     * value (e.g. a pirq returned) as a decimal number.
     *
     * @param rc result
     * @return its name
     */
    public static String name(final int rc) {
        if (rc >= 0) {
            return Integer.toString(rc);
        }
        switch (-rc) {
            case EPERM: return "-EPERM";
            case ENOENT: return "-ENOENT";
            case ESRCH: return "-ESRCH";
            case ENOMEM: return "-ENOMEM";
            case EACCES: return "-EACCES";
            case EFAULT: return "-EFAULT";
            case EBUSY: return "-EBUSY";
            case EEXIST: return "-EEXIST";
            case ENODEV: return "-ENODEV";
            case EINVAL: return "-EINVAL";
            case ENOSPC: return "-ENOSPC";
            case ERANGE: return "-ERANGE";
            case ENOSYS: return "-ENOSYS";
            case EOPNOTSUPP: return "-EOPNOTSUPP";
            default: return Integer.toString(rc);
        }
    }
}
