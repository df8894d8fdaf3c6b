//! The lanes of `reproduce`: one per Go toolchain, each with its results
//! folder and what it found; how many runs they make.

use std::path::Path;

use crate::experiment::Experiment;
use crate::experiment::reproduce::ExperimentResult;
use crate::experiment::results::{KeptFiles, Manifest, ResultsDir, ResultsError};
use crate::toolchain::Toolchain;

/// One toolchain's share of the work: where its runs are kept and what it found.
#[derive(Debug)]
pub struct ToolchainLane {
    pub toolchain: Toolchain,
    pub out: Option<ResultsDir>,
    pub manifest: Manifest,
    pub results: Vec<ExperimentResult>,
}

impl ToolchainLane {
    /// A lane of `reproduce` (`only`: the claims asked for, for the manifest).
    pub fn new(toolchain: Toolchain, out: Option<ResultsDir>, only: &[String]) -> ToolchainLane {
        ToolchainLane {
            manifest: Manifest::new("reproduce", toolchain.version.name(), only),
            toolchain,
            out,
            results: Vec::new(),
        }
    }

    /// A lane per toolchain, each with its results folder: `out` itself for
    /// one toolchain, `out/<go version>/` for several (prepared now, before
    /// anything runs), each keeping `files`, the experiment files run.
    pub fn each(
        toolchains: Vec<Toolchain>,
        out: Option<&Path>,
        only: &[String],
        files: Option<&KeptFiles>,
    ) -> Result<Vec<ToolchainLane>, ResultsError> {
        let names: Vec<String> = toolchains.iter().map(|t| t.version.name()).collect();
        let outs = ResultsDir::prepare_each(out, &names, toolchains.len() != 1)?;
        let lanes: Vec<ToolchainLane> = toolchains
            .into_iter()
            .zip(outs)
            .map(|(toolchain, out)| ToolchainLane::new(toolchain, out, only))
            .collect();
        for out in lanes.iter().filter_map(|l| l.out.as_ref()) {
            if let Some(files) = files {
                out.keep_experiment_files(files)?;
            }
        }
        Ok(lanes)
    }

    /// The results folders of `lanes` that have one.
    pub fn roots(lanes: &[ToolchainLane]) -> Vec<&Path> {
        lanes
            .iter()
            .filter_map(|l| l.out.as_ref().map(|o| o.root.as_path()))
            .collect()
    }
}

/// How many runs `experiments` make on `lanes` toolchains: every settings
/// row's repeats of each, on each.
pub fn run_count(experiments: &[Experiment], lanes: usize) -> usize {
    experiments
        .iter()
        .map(|e| e.cells.len() * e.repeats as usize)
        .sum::<usize>()
        * lanes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toolchain::GoVersion;

    fn toolchain(name: &str) -> Toolchain {
        Toolchain {
            version: GoVersion::parse(name).expect("a Go version"),
            go: format!("/nowhere/{name}/bin/go").into(),
        }
    }

    #[test]
    fn one_toolchain_keeps_in_out_and_several_each_in_its_version_folder() {
        let tmp = tempfile::tempdir().expect("a temp dir");
        let one = tmp.path().join("one");
        let lanes = ToolchainLane::each(vec![toolchain("go1.26.8")], Some(&one), &[], None)
            .expect("prepared");
        assert_eq!(ToolchainLane::roots(&lanes), [one.as_path()]);
        let set = tmp.path().join("set");
        let both = vec![toolchain("go1.26.8"), toolchain("go1.21.13")];
        let lanes = ToolchainLane::each(both, Some(&set), &["c".into()], None).expect("prepared");
        assert_eq!(
            ToolchainLane::roots(&lanes),
            [set.join("go1.26.8"), set.join("go1.21.13")]
        );
        assert_eq!(lanes[1].manifest.go_version, "go1.21.13");
        let none = ToolchainLane::each(vec![toolchain("go1.26.8")], None, &[], None);
        assert!(ToolchainLane::roots(&none.expect("no folder")).is_empty());
    }

    #[test]
    fn the_runs_are_every_rows_repeats_on_every_lane() {
        let text = "title = \"t\"\narticle = \"new\"\nfixture = \"idle\"\nrepeats = 3\n\n\
                    [[claim]]\nid = \"x\"\nsays = \"s\"\ncheck = [\"os.rss@started <= 8MiB\"]\n";
        let path = std::path::PathBuf::from("x.toml");
        let e = crate::experiment::parse(&path, text, &["idle".to_string()]).expect("parses");
        assert_eq!(run_count(&[e.clone(), e], 2), 12);
    }
}
