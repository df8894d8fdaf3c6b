//! Secrets stay out of what is kept: environment values whose names look
//! secret (`*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*KEY*`, and any listed in
//! `GOMEMLAB_REDACT`) are replaced by `<redacted>` in timelines (settings,
//! arguments) and manifests (the command line), and so in every plot, CSV,
//! trace and HTML page made from them. The program itself gets the value.

use super::Timeline;

/// What a secret value is kept as.
pub const REDACTED: &str = "<redacted>";

/// The variable listing more names to redact (comma-separated, matched
/// anywhere in a name, any case).
pub const REDACT_VAR: &str = "GOMEMLAB_REDACT";

const SECRET_WORDS: &[&str] = &["TOKEN", "SECRET", "PASSWORD", "KEY"];

/// Whether a variable of this name holds a secret.
pub fn is_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let listed = std::env::var(REDACT_VAR).unwrap_or_default();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
        || listed
            .split(',')
            .map(|w| w.trim().to_ascii_uppercase())
            .any(|w| !w.is_empty() && upper.contains(&w))
}

/// An argument, `NAME=VALUE` (or `--env=NAME=VALUE`) with the value
/// redacted when the name is a secret's.
pub fn arg(text: &str) -> String {
    let (prefix, rest) = match text.strip_prefix("--env=") {
        Some(rest) => ("--env=", rest),
        None => ("", text),
    };
    match rest.split_once('=') {
        Some((name, _)) if is_name(name) && is_secret(name) => {
            format!("{prefix}{name}={REDACTED}")
        }
        _ => text.to_string(),
    }
}

/// A command line with secret values redacted.
pub fn args(argv: &[String]) -> Vec<String> {
    argv.iter().map(|a| arg(a)).collect()
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

impl Timeline {
    /// Replaces secret values in the settings and arguments.
    pub fn redact_secrets(&mut self) {
        for (name, value) in &mut self.settings.env {
            if is_secret(name) {
                *value = REDACTED.to_string();
            }
        }
        self.fixture.args = args(&self.fixture.args);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_names_are_redacted_others_kept() {
        assert!(is_secret("GITHUB_TOKEN") && is_secret("aws_secret_access_key"));
        assert!(is_secret("DB_PASSWORD") && is_secret("API_KEY"));
        assert!(!is_secret("GOGC") && !is_secret("GODEBUG"));
        assert_eq!(arg("GITHUB_TOKEN=ghp_x"), "GITHUB_TOKEN=<redacted>");
        assert_eq!(arg("--env=API_KEY=1"), "--env=API_KEY=<redacted>");
        assert_eq!(arg("GOGC=50"), "GOGC=50");
        assert_eq!(arg("-mode=KEY=x"), "-mode=KEY=x");
    }
}
