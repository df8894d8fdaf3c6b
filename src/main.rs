//! The `gomemlab` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    gomemlab::cli::main()
}
