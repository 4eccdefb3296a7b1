fn main() -> std::process::ExitCode {
    mdbook_kpi::cli::main()
}
