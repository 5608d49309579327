use std::process::ExitCode;

fn main() -> ExitCode {
    stackaudit::install_crypto_provider();
    stackaudit::cli::main()
}
