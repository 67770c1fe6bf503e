//! The `stratus` command line: parse arguments, load scenarios, run, write outputs.
//! No model logic lives here (see `cli`).

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
