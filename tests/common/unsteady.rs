//! Claims whose verdict varies run to run on some Go minors
//! (`tests/unsteady.toml`): in those minors' snapshots their verdicts read
//! `unsteady`, so the snapshot stays the same run after run while every
//! other claim of the file is still compared.

use std::path::Path;

#[derive(serde::Deserialize)]
struct File {
    unsteady: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    claims: Vec<String>,
    go: Vec<String>,
    #[allow(dead_code)] // read by people: the reason is the point of the entry
    why: String,
}

/// The claim ids unsteady on this Go minor (`go1.19`).
pub fn claims(minor: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/unsteady.toml");
    let text = std::fs::read_to_string(&path).expect("tests/unsteady.toml");
    let file: File = toml::from_str(&text).expect("tests/unsteady.toml: claims, go, why");
    file.unsteady
        .into_iter()
        .filter(|e| e.go.iter().any(|g| g == minor))
        .flat_map(|e| e.claims)
        .collect()
}

/// The snapshot text with the verdicts of `claims` (except `n/a`, which does
/// not depend on a run) replaced by `unsteady`.
pub fn mask(snapshot: &str, claims: &[String]) -> String {
    let mut out = String::new();
    let mut masking = false;
    for line in snapshot.lines() {
        if let Some(rest) = line.strip_prefix("  ") {
            if masking && !rest.starts_with("exact ") {
                let check = rest.get(9..).unwrap_or_default();
                out.push_str(&format!("  {:<8} {check}\n", "unsteady"));
                continue;
            }
        } else {
            masking = false;
            if let Some((id, verdict)) = line.split_once(": ") {
                if verdict != "n/a" && claims.iter().any(|c| c == id) {
                    masking = true;
                    out.push_str(&format!("{id}: unsteady (tests/unsteady.toml)\n"));
                    continue;
                }
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
