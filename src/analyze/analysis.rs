//! The analysis of one run: what is derived from its timeline, computed once
//! ([`Analyzed::of`]) and kept beside it (serde), so checks, reports and
//! stored results read it instead of deriving it again.

use serde::{Deserialize, Serialize};

use super::ledger::{self, Ledger};
use crate::timeline::Timeline;

/// What is derived from a timeline, per phase (in the timeline's phase order).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub phases: Vec<PhaseAnalysis>,
}

/// What is derived at one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseAnalysis {
    pub phase: String,
    /// The ledger; absent when the phase has no mapping inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger: Option<Ledger>,
}

impl Analysis {
    pub fn of(t: &Timeline) -> Analysis {
        Analysis {
            phases: t
                .phases
                .iter()
                .map(|p| PhaseAnalysis {
                    phase: p.name.clone(),
                    ledger: ledger::of_phase(p),
                })
                .collect(),
        }
    }

    /// The ledger at the phase of index `i` of the timeline.
    pub fn ledger(&self, i: usize) -> Option<&Ledger> {
        self.phases.get(i)?.ledger.as_ref()
    }

    /// Every ledger, in phase order.
    pub fn ledgers(&self) -> impl Iterator<Item = &Ledger> {
        self.phases.iter().filter_map(|p| p.ledger.as_ref())
    }
}

/// A run and its analysis: what checks are judged on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Analyzed {
    pub timeline: Timeline,
    pub analysis: Analysis,
}

impl Analyzed {
    /// The analysis of a run, its timeline's secret values redacted
    /// first: every run is kept, plotted and exported through here.
    pub fn of(mut timeline: Timeline) -> Analyzed {
        timeline.redact_secrets();
        let analysis = Analysis::of(&timeline);
        Analyzed { timeline, analysis }
    }
}
