//! The `gomemlab` binary: the command line lives in the library (not public).

fn main() -> std::process::ExitCode {
    gomemlab::cli_main()
}
