//! `reproduce --shard K/N`: a deterministic share of the experiments, so N
//! machines together run each experiment once and `report` of their N
//! results folders equals one full run.

use std::fmt;
use std::str::FromStr;

/// Shard `k` of `n` (1-based): whole experiments, round-robin over their
/// names sorted, so a shard's results folder is complete for what it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub k: usize,
    pub n: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: give K/N with 1 <= K <= N, e.g. 1/2");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Shard {
    /// Whether the experiment called `name`, among `names`, is in this shard.
    pub fn has(&self, name: &str, names: &[&str]) -> bool {
        let mut sorted: Vec<&str> = names.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        sorted
            .iter()
            .position(|n| *n == name)
            .is_some_and(|i| i % self.n == self.k - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_sorted_names_round_robin_each_once() {
        let names = ["idle", "gogc", "hello", "cycles", "ballast"];
        let of = |s: &str| -> Vec<&str> {
            let shard: Shard = s.parse().unwrap();
            let mut v: Vec<&str> = names
                .iter()
                .copied()
                .filter(|n| shard.has(n, &names))
                .collect();
            v.sort_unstable();
            v
        };
        // Sorted: ballast cycles gogc hello idle.
        assert_eq!(of("1/2"), ["ballast", "gogc", "idle"]);
        assert_eq!(of("2/2"), ["cycles", "hello"]);
        assert_eq!(of("1/1").len(), 5);
        let mut all: Vec<&str> = (1..=3).flat_map(|k| of(&format!("{k}/3"))).collect();
        all.sort_unstable();
        let mut want = names.to_vec();
        want.sort_unstable();
        assert_eq!(all, want);
        assert!(of("5/5").len() == 1 && of("4/4").len() == 1);
    }

    #[test]
    fn bad_shards_say_what_to_give() {
        for bad in ["0/2", "3/2", "x", "1/0", "1/", "/2", "-1/2", "1/2/3"] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains("give K/N"), "{bad}: {e}");
        }
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { k: 2, n: 3 }));
        assert_eq!(Shard { k: 2, n: 3 }.to_string(), "2/3");
    }
}
