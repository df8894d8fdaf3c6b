//! `gomemlab reproduce` under the command line, before anything runs: the
//! experiments selected, the `--baseline` plan, the files asked of the
//! results checked, and a lane per Go toolchain with its results folder.
//! What it tells on the way goes to a [`ReproduceNotice`] sink.

use std::path::Path;

use super::RequestError;
use crate::experiment::Experiment;
use crate::experiment::baseline::BaselinePlan;
use crate::experiment::results::JudgeNote;
use crate::experiment::scheduler::{ToolchainLane, columns};
use crate::experiment::select::Selection;
use crate::report::export::Exports;
use crate::toolchain::{self, Fetch};

/// What `gomemlab reproduce` asks.
pub struct ReproduceRequest<'a> {
    /// Which experiments (`--experiments`, `--slow`, `--only`, `--shard`).
    pub selection: Selection<'a>,
    /// `--baseline GO|DIR`.
    pub baseline: Option<&'a str>,
    /// `--go`: none for the default toolchain.
    pub gos: &'a [String],
    /// The files asked of the results (`--benchfmt`, `--html`).
    pub exports: &'a Exports,
    /// `--out DIR`.
    pub out: Option<&'a Path>,
}

/// What is worth telling while a [`ReproduceRequest`] is prepared.
pub enum ReproduceNotice<'a> {
    /// A `--go` release is being fetched.
    Fetch(&'a Fetch),
    /// About the baseline folder judged again.
    Judge(JudgeNote),
}

/// What `reproduce` runs: the experiments selected, the baseline, and a
/// lane per toolchain with its results folder.
pub struct ReproducePlan {
    pub experiments: Vec<Experiment>,
    pub baseline: BaselinePlan,
    pub lanes: Vec<ToolchainLane>,
}

impl ReproduceRequest<'_> {
    /// Loads and selects the experiments, and checks every toolchain,
    /// `--out`, the files asked and `--baseline`, before anything runs.
    pub fn prepare(
        &self,
        notify: &mut dyn FnMut(ReproduceNotice<'_>),
    ) -> Result<ReproducePlan, RequestError> {
        let selected = self.selection.load()?;
        let experiments = selected.experiments;
        let mut baseline = BaselinePlan::new(self.baseline, self.gos, &experiments, &mut |n| {
            notify(ReproduceNotice::Judge(n))
        })?;
        let mut on_fetch = |f: &Fetch| notify(ReproduceNotice::Fetch(f));
        baseline.pin_go(|v| {
            toolchain::resolve_with(Some(v), &mut on_fetch).map(|t| t.version.name())
        })?;
        self.exports.check()?;
        let toolchains = toolchain::resolve_or_default_with(&baseline.gos, &mut on_fetch)?;
        let only = self.selection.only;
        let kept_files = selected.kept_files.as_ref();
        let lanes = ToolchainLane::each(toolchains, self.out, only, kept_files)?;
        baseline.check(&columns(&lanes))?;
        Ok(ReproducePlan {
            experiments,
            baseline,
            lanes,
        })
    }
}
