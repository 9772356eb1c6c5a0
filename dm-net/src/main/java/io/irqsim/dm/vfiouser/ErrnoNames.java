package io.irqsim.dm.vfiouser;

/** Linux errno values a vfio-user server sends in error replies, named without a native call. */
final class ErrnoNames {

    private ErrnoNames() {
    }

    /**
     * @param errno a Linux errno
     * @return e.g. {@code EINVAL (22)}
     */
    static String describe(final int errno) {
        final String name = switch (errno) {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 5 -> "EIO";
            case 9 -> "EBADF";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 14 -> "EFAULT";
            case 16 -> "EBUSY";
            case 22 -> "EINVAL";
            case 28 -> "ENOSPC";
            case 34 -> "ERANGE";
            case 38 -> "ENOSYS";
            case 95 -> "ENOTSUP";
            default -> "errno";
        };
        return name + " (" + errno + ")";
    }
}
