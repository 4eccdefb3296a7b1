//! CSV loading speed (the budget in docs/src/speed.md: a 1,000,000-row CSV loads at no less than half the speed
//! of plain `csv` crate iteration over the same file): both read the same file from the page cache, alternately,
//! `reps` times.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// Plain `csv` crate iteration: every record read into a `StringRecord` (UTF-8 checked), as any CSV consumer
/// must do at least.
fn plain_csv(path: &Path) -> Result<usize> {
    let mut reader = csv::Reader::from_path(path)?;
    let mut record = csv::StringRecord::new();
    let mut rows = 0;
    while reader.read_record(&mut record)? {
        rows += 1;
    }
    Ok(rows)
}

/// The loader the preprocessor uses, on the file as the only data file of a book rooted at its folder.
fn kpi_load(root: &Path, name: &str) -> Result<usize> {
    let files = vec![name.to_string()];
    match mdbook_kpi::data::load::load(root, &files) {
        Ok(data) => Ok(data.facts.len() + data.table.len()),
        Err(diagnostics) => {
            let first = diagnostics.first().map(|d| format!("{} {}:{}: {}", d.rule, d.file, d.line, d.message));
            bail!("the loader reported {} error(s); first: {}", diagnostics.len(), first.unwrap_or_default())
        }
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn run(file: &Path, reps: usize) -> Result<()> {
    let bytes = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?.len();
    let root = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = file.file_name().and_then(|n| n.to_str()).context("the file name is not UTF-8")?;
    let mut csv_times = Vec::new();
    let mut kpi_times = Vec::new();
    let mut rows = 0;
    let mut facts = 0;
    // Warm the page cache once, then alternate so that load on a shared machine hits both alike.
    plain_csv(file)?;
    for _ in 0..reps {
        let start = Instant::now();
        rows = plain_csv(file)?;
        csv_times.push(start.elapsed());
        let start = Instant::now();
        let loaded = std::panic::catch_unwind(|| kpi_load(root, name));
        kpi_times.push(start.elapsed());
        facts = match loaded {
            Ok(result) => result?,
            Err(_) => bail!("mdbook_kpi::data::load::load panicked"),
        };
    }
    let csv_median = median(&mut csv_times);
    let kpi_median = median(&mut kpi_times);
    let megabytes = bytes as f64 / 1e6;
    println!("rows={rows}");
    println!("facts={facts}");
    println!("bytes={bytes}");
    println!("csv_ms={:.1}", csv_median.as_secs_f64() * 1e3);
    println!("kpi_ms={:.1}", kpi_median.as_secs_f64() * 1e3);
    println!("csv_mb_s={:.0}", megabytes / csv_median.as_secs_f64());
    println!("kpi_mb_s={:.0}", megabytes / kpi_median.as_secs_f64());
    // The budget's measure: the loader's speed as a fraction of plain iteration's (at least 0.5).
    println!("speed_ratio={:.2}", csv_median.as_secs_f64() / kpi_median.as_secs_f64());
    Ok(())
}
