//! Every file of the repository that the documentation, the README, the architecture
//! notes and the code's comments cite by path exists: a newcomer following a citation
//! never meets a dead end.

use std::path::{Path, PathBuf};

/// The folders a citation starts with (the repository's top level).
const ROOTS: [&str; 9] = [
    "docs/",
    "domain/",
    "eventstore/",
    "projections/",
    "api/",
    "tests/",
    "bench/",
    "scripts/",
    ".ci/",
];

/// Text files to scan: Markdown and Rust, outside `target/` and hidden folders.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            files(&path, out);
        } else if name.ends_with(".md") || name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// The paths cited in `text`: spans between backticks that start with a top-level folder
/// and look like a file's path (no spaces, placeholders or wildcards).
fn cited(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, span) in text.split('`').enumerate() {
        if i % 2 == 0 {
            continue;
        }
        let path = span.split([':', '#']).next().unwrap_or_default();
        // The programme's shared reference is copied into `docs/reference/`: a citation
        // of the original's place resolves nowhere in the repository.
        if path.starts_with("shared/") || path.starts_with("../shared/") {
            out.push(path.to_owned());
            continue;
        }
        let looks_like_a_path = ROOTS.iter().any(|r| path.starts_with(r))
            && !path.contains([' ', '<', '>', '{', '}', '*', '…', '$', '(', ','])
            && !path.contains("..");
        if looks_like_a_path {
            out.push(path.trim_end_matches('/').to_owned());
        }
    }
    out
}

#[test]
fn every_cited_file_of_the_repository_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut all = Vec::new();
    files(root, &mut all);
    let mut dead = Vec::new();
    let mut checked = 0;
    for file in &all {
        let text = std::fs::read_to_string(file).unwrap();
        for path in cited(&text) {
            checked += 1;
            if !root.join(&path).exists() {
                dead.push(format!(
                    "{}: {path}",
                    file.strip_prefix(root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} citations found: is the scan right?"
    );
    assert!(
        dead.is_empty(),
        "cited files that do not exist:\n{}",
        dead.join("\n")
    );
}
