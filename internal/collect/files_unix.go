//go:build unix

package collect

import "syscall"

// openNonblock opens without waiting: a FIFO swapped in for a checked
// file must not block the collection (openRegular then refuses it).
const openNonblock = syscall.O_NONBLOCK
