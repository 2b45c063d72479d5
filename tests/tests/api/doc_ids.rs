//! Every rule id a comment cites (K1, S3, R41, D7, …) and every legacy section (§1.8) resolves in the repository's
//! own `docs/`: a reader never needs a document outside it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The letters rule ids start with: kept (K), formats (F), security (S), integrity (I), beyond (B) in
/// `docs/decisions.md`; legacy rules (R) and defects (D) in `docs/legacy-contract.md`.
const PREFIXES: &[char] = &['K', 'F', 'S', 'I', 'B', 'R', 'D'];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

/// `K3b`, `S11`, `R41`: a prefix letter, one or two digits, at most one lower-case letter.
fn is_rule_id(word: &str) -> bool {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return false };
    let rest = chars.as_str();
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let tail = &rest[digits..];
    PREFIXES.contains(&first)
        && (1..=2).contains(&digits)
        && (tail.is_empty() || tail.len() == 1 && tail.chars().all(|c| c.is_ascii_lowercase()))
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty())
}

/// The ids the docs define: each opens a bold run (`**S3 …**`).
fn defined_ids(docs: &str) -> BTreeSet<String> {
    docs.split("**")
        .skip(1)
        .step_by(2)
        .filter_map(|bold| words(bold).next())
        .filter(|w| is_rule_id(w))
        .map(str::to_owned)
        .collect()
}

/// The legacy contract's numbered sections (`## 1.`, `### 1.8`).
fn sections(contract: &str) -> BTreeSet<String> {
    contract
        .lines()
        .filter(|l| l.starts_with("## ") || l.starts_with("### "))
        .filter_map(|l| l.trim_start_matches('#').split_whitespace().next())
        .map(|n| n.trim_end_matches('.').to_owned())
        .collect()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" && !name.to_string_lossy().starts_with('.') {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The comment of each line (`//`, `///`, `//!`), with its place.
fn comments(root: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for top in ["crates", "migration", "tests"] {
        rust_files(&root.join(top), &mut files);
    }
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (n, line) in text.lines().enumerate() {
            if let Some((_, comment)) = line.split_once("//") {
                let place = format!("{}:{}", file.strip_prefix(root).unwrap_or(&file).display(), n + 1);
                found.push((place, comment.to_owned()));
            }
        }
    }
    found
}

#[test]
fn every_id_and_section_a_comment_cites_resolves_in_docs() {
    let root = repository();
    let read = |name: &str| std::fs::read_to_string(root.join("docs").join(name)).expect("docs page");
    let ids = defined_ids(&(read("decisions.md") + &read("legacy-contract.md")));
    let sections = sections(&read("legacy-contract.md"));
    assert!(ids.contains("K3b") && ids.contains("R41") && ids.contains("D7"), "the docs define ids: {ids:?}");
    assert!(sections.contains("1.8") && sections.contains("2.11"), "{sections:?}");

    let mut unresolved = Vec::new();
    let mut cited = 0;
    for (place, comment) in comments(&root) {
        for word in words(&comment).filter(|w| is_rule_id(w)) {
            cited += 1;
            if !ids.contains(word) {
                unresolved.push(format!("{place}: {word}"));
            }
        }
        for section in comment.split('§').skip(1) {
            let number: String = section.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            let number = number.trim_end_matches('.');
            if !sections.contains(number) {
                unresolved.push(format!("{place}: §{number}"));
            }
        }
    }
    assert!(cited > 100, "the scan reads the comments ({cited} ids cited)");
    assert!(unresolved.is_empty(), "cited in comments, defined nowhere in docs/:\n{}", unresolved.join("\n"));
}

#[test]
fn a_rule_id_is_a_prefix_letter_and_a_number() {
    for id in ["K1", "K3b", "S11", "R41", "D7", "B4"] {
        assert!(is_rule_id(id), "{id}");
    }
    for word in ["S", "Sx", "S123", "K3bc", "X1", "S3B", "utf8"] {
        assert!(!is_rule_id(word), "{word}");
    }
}
