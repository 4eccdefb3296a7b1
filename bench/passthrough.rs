//! `kpi-passthrough`: the floor the speed budgets are measured against (docs/src/speed.md). A bare mdBook
//! preprocessor that reads `[context, book]` from stdin into a `serde_json::Value` and writes element 1 (the book)
//! back unchanged. `supports <renderer>` exits 0.
//!
//! `kpi-passthrough --paced` reads stdin as mdbook-kpi does (`mdbook_kpi::protocol::read_stdin`: paced for
//! mdBook's unbuffered writes) instead of with `read_to_end`. It is no floor of a budget: beside it, a build
//! with mdbook-kpi shows what mdbook-kpi's own work adds, apart from how it reads.

use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    // mdBook adds `supports <renderer>` after the command's own arguments (`kpi-passthrough --paced`).
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == "supports") {
        return ExitCode::SUCCESS;
    }
    let paced = args.iter().any(|arg| arg == "--paced");
    match pass_through(paced) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kpi-passthrough: {error}");
            ExitCode::FAILURE
        }
    }
}

fn pass_through(paced: bool) -> io::Result<()> {
    let input = if paced {
        mdbook_kpi::protocol::read_stdin(|| {})?
    } else {
        let mut input = Vec::new();
        io::stdin().lock().read_to_end(&mut input)?;
        input
    };
    let mut value: serde_json::Value = serde_json::from_slice(&input)?;
    let book = value
        .get_mut(1)
        .map(serde_json::Value::take)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "expected a JSON array [context, book] on stdin"))?;
    let mut out = BufWriter::new(io::stdout().lock());
    serde_json::to_writer(&mut out, &book)?;
    out.flush()
}
