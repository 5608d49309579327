use std::process::ExitCode;

// Small short-lived allocations dominate rule evaluation and YAML trees;
// glibc malloc spent about a quarter of the scan profile in them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    no_transparent_huge_pages();
    purge_freed_memory_at_once();
    restore_default_sigpipe();
    stackaudit::install_crypto_provider();
    stackaudit::cli::main()
}

/// Rust ignores SIGPIPE, so `stackaudit diff ... | head` would make every
/// later `print!` panic on a closed pipe. Like other filters, stop quietly
/// when the reader has gone.
fn restore_default_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists; only
    // resets one signal disposition to the OS default.
    #[cfg(unix)]
    #[allow(unsafe_code, reason = "std has no safe way to reset a signal disposition")]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `mi_option_purge_delay` in the enum of mimalloc 3 (libmimalloc-sys
/// 0.1.49, pinned), which the crate does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc keeps freed pages for a second before giving them back, and a
/// streamed scan frees each part's facts as the next arrive: 30 MB of the
/// 1,000-project scan's peak was memory already freed (146 MB, 116 MB with
/// no delay, at the same speed; see docs/performance.md).
fn purge_freed_memory_at_once() {
    // SAFETY: sets one integer option of the allocator; mimalloc reads
    // options atomically and this runs before any other thread exists.
    #[allow(unsafe_code, reason = "mimalloc's options are set through its C API")]
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
}

/// mimalloc asks for transparent huge pages on its arenas, so the first touch
/// of any 2 MiB region zeroes all of it: 14% of the CPU of a one-endpoint TLS
/// audit (RSS 40 MB for 22 MB used), and 0.4-0.6 s of system time in the
/// 1,000-project compose scan, which both run faster on regular pages (see
/// docs/performance.md). Children (`nft`, `iptables`) inherit the setting,
/// which changes nothing for them.
fn no_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes
    // a flag of this process's memory map; it cannot fail in a way that
    // matters (an old kernel returns EINVAL and nothing changes).
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code, reason = "std has no safe way to call prctl(2)")]
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_purge_delay_option_is_the_one_mimalloc_documents() {
        // Its default in mimalloc 3 is 1000 (ms), which no neighbouring
        // option has: a different index would read another default.
        // SAFETY: reads one integer option.
        #[allow(unsafe_code, reason = "mimalloc's options are read through its C API")]
        let delay = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(delay, 1000);
    }
}
