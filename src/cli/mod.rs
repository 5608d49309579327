//! The command line. `main` only parses arguments and maps outcomes to exit
//! codes; each subcommand lives in its own file.

mod args;
mod diff_cmd;
mod output;
mod progress;
mod report_cmd;
mod rules_cmd;
mod scan_cmd;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

use crate::gate::EXIT_ERROR;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are not errors.
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    init_logging(cli.verbose);
    // Panics are contained per file, target and rule and reported as scan
    // errors; the hook keeps their raw message off stderr.
    crate::contain::install_quiet_hook();
    let result = crate::contain::catch(|| {
        crate::contain::test_trigger("<run>");
        match cli.command {
            Command::Scan(args) => scan_cmd::run(*args),
            Command::Rules(cmd) => rules_cmd::run(cmd),
            Command::Report(args) => report_cmd::run(args),
            Command::Diff(args) => diff_cmd::run(args),
        }
    });
    match result {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
        // A fault outside every contained unit: one line, and the exit code
        // of an incomplete run.
        Err(description) => {
            eprintln!("error: internal error, the run did not finish: {description}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("STACKAUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("stackaudit={default}")));
    // Log lines quote file and container names from scanned input: no ANSI
    // colours of our own, and every control character escaped.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(|| crate::report::escape::EscapingWriter(std::io::stderr()))
        .with_target(false)
        .try_init();
}
