use std::process::ExitCode;

// Small short-lived allocations dominate rule evaluation and YAML trees;
// glibc malloc spent about a quarter of the scan profile in them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    restore_default_sigpipe();
    stackaudit::install_crypto_provider();
    stackaudit::cli::main()
}

/// Rust ignores SIGPIPE, so `stackaudit diff ... | head` would make every
/// later `print!` panic on a closed pipe. Like other filters, stop quietly
/// when the reader has gone.
#[allow(unsafe_code, reason = "std has no safe way to reset a signal disposition")]
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; only
    // resets one signal disposition to the OS default.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
