//! `report DIR --plot/--perfetto/--csv DIR2 --benchfmt FILE`: the export
//! flags, for every kept run the files `run --plot/--perfetto/--csv` writes,
//! in DIR2 mirroring DIR's tree (`<experiment>/<settings>/<repeat>/`); with
//! --csv also `verdicts.csv`.

use std::path::PathBuf;

use crate::report::export::Exports;

#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Write plot.svg of every kept run into DIR (mirroring the results tree).
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
    /// Write trace.json (Perfetto / Chrome trace) of every kept run into DIR.
    #[arg(long, value_name = "DIR")]
    perfetto: Option<PathBuf>,
    /// Write samples.csv and phases.csv of every kept run into DIR, and
    /// DIR/verdicts.csv.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Write every kept run's key figures per phase in the Go benchmark
    /// format to FILE, for benchstat (`benchstat -col go FILE` compares Go
    /// versions).
    #[arg(long, value_name = "FILE")]
    benchfmt: Option<PathBuf>,
}

impl ExportArgs {
    /// Where the files asked for go (with the HTML page, `--html`).
    pub fn exports(&self, html: Option<PathBuf>) -> Exports {
        Exports {
            plot: self.plot.clone(),
            perfetto: self.perfetto.clone(),
            csv: self.csv.clone(),
            benchfmt: self.benchfmt.clone(),
            html,
        }
    }
}
