//! No import cycles between the top-level modules of the crate: a module never uses a module that
//! uses it back, directly or through others, so that each capability can be read, moved or split on its own.
//!
//! The graph is read from the sources, with the standard library only: a file under `src/x.rs` or `src/x/…`
//! belongs to the top-level module `x`; each `crate::…` path (and each `super::…` path that climbs to the crate
//! root) outside comments and strings is an edge to the module it names first. An item of `lib.rs` itself counts
//! as the crate root, which depends on every module (it declares them all): a module may not reach back into it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crate root, `lib.rs`: what a `crate::` path that names no module points at.
const ROOT: &str = "(crate root)";

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn no_top_level_module_imports_a_module_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = graph_of(&src);
    assert!(graph.len() > 10, "the crate's modules were not found under {}", src.display());
    let cycles = cycles(&graph);
    assert!(
        cycles.is_empty(),
        "import cycles between the top-level modules of seeg-adapters-http (move what both sides need into a leaf \
         module):\n{}",
        cycles.iter().map(|cycle| format!("  {}", cycle.join(" -> "))).collect::<Vec<_>>().join("\n")
    );
}

/// Every top-level module, with the top-level modules (or the crate root) its files name.
fn graph_of(src: &Path) -> Graph {
    let mut files = Vec::new();
    sources(src, &mut files);
    let files: Vec<(Vec<String>, String)> = files
        .iter()
        .map(|file| (module_path(file.strip_prefix(src).unwrap()), std::fs::read_to_string(file).unwrap()))
        .collect();
    let modules: BTreeSet<String> = files.iter().filter_map(|(path, _)| path.first().cloned()).collect();
    let mut graph = Graph::new();
    graph.insert(ROOT.to_owned(), modules.clone());
    for (path, text) in &files {
        let from = path.first().map_or(ROOT, String::as_str);
        let names = references(path, text);
        let edges = graph.entry(from.to_owned()).or_default();
        for name in names {
            let to = if modules.contains(&name) { name } else { ROOT.to_owned() };
            if to != from {
                edges.insert(to);
            }
        }
    }
    graph
}

fn sources(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module a file holds, from `src/`: `lib.rs` is `[]`, `a.rs` and `a/mod.rs` are `[a]`, `a/b.rs` is `[a, b]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut path: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    let file = path.pop().unwrap_or_default();
    match file.strip_suffix(".rs") {
        Some("mod") => {}
        Some("lib") if path.is_empty() => {}
        Some(stem) => path.push(stem.to_owned()),
        None => path.push(file),
    }
    path
}

/// The names at the crate's top level that the code of a file at `module` refers to: the first segment of each
/// `crate::` path (each of a `crate::{a, b::c}` group), and of each `super::` path that climbs to the root.
fn references(module: &[String], text: &str) -> BTreeSet<String> {
    let tokens = tokens(&code_only(text));
    let mut found = BTreeSet::new();
    // The brace depth just inside each enclosing inline module (`mod tests { … }`): each deepens `super::`.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut pending_mod = false;
    let mut at = 0;
    while at < tokens.len() {
        let token = tokens[at].as_str();
        let after_path_separator = at > 0 && tokens[at - 1] == "::";
        let after_dollar = at > 0 && tokens[at - 1] == "$";
        match token {
            "{" => {
                depth += 1;
                if pending_mod {
                    inline.push(depth);
                }
                pending_mod = false;
            }
            "}" => {
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" => pending_mod = true,
            ";" => pending_mod = false,
            "crate" if !after_path_separator && !after_dollar && tokens.get(at + 1).is_some_and(|t| t == "::") => {
                found.extend(first_segments(&tokens[at + 2..]));
            }
            "super" if !after_path_separator => {
                let mut climbs = 0;
                while tokens.get(at + 2 * climbs).is_some_and(|t| t == "super")
                    && tokens.get(at + 2 * climbs + 1).is_some_and(|t| t == "::")
                {
                    climbs += 1;
                }
                if climbs > 0 && climbs >= module.len() + inline.len() {
                    found.extend(first_segments(&tokens[at + 2 * climbs..]));
                }
                at += (2 * climbs).max(1);
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    found
}

/// The first segment of the path that `tokens` start (after `crate::`), or of each item of a `{…}` group.
fn first_segments(tokens: &[String]) -> Vec<String> {
    let is_name = |t: &str| t.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
    match tokens.first().map(String::as_str) {
        Some("{") => {
            let mut names = Vec::new();
            let mut depth = 0;
            let mut expect_item = true;
            for token in tokens {
                match token.as_str() {
                    "{" => {
                        depth += 1;
                        expect_item = depth == 1;
                        continue;
                    }
                    "}" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    "," if depth == 1 => {
                        expect_item = true;
                        continue;
                    }
                    "*" if expect_item => names.push(ROOT.to_owned()),
                    name if expect_item && is_name(name) && name != "self" => names.push(name.to_owned()),
                    _ => {}
                }
                expect_item = false;
            }
            names
        }
        Some("*") => vec![ROOT.to_owned()],
        Some(name) if is_name(name) => vec![name.to_owned()],
        _ => Vec::new(),
    }
}

/// `text` with its comments, strings and character literals blanked out (lines and code kept).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    while at < chars.len() {
        let c = chars[at];
        let next = chars.get(at + 1).copied();
        let previous_is_ident = at > 0 && is_ident(chars[at - 1]);
        if c == '/' && next == Some('/') {
            while at < chars.len() && chars[at] != '\n' {
                at += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut nesting = 0;
            while at < chars.len() {
                if chars[at] == '/' && chars.get(at + 1) == Some(&'*') {
                    nesting += 1;
                    at += 2;
                } else if chars[at] == '*' && chars.get(at + 1) == Some(&'/') {
                    nesting -= 1;
                    at += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    at += 1;
                }
            }
            out.push(' ');
        } else if !previous_is_ident && raw_string_start(&chars[at..]).is_some() {
            let (prefix, hashes) = raw_string_start(&chars[at..]).unwrap_or_default();
            at += prefix + hashes + 1;
            while at < chars.len() {
                if chars[at] == '"' && chars[at + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes {
                    at += 1 + hashes;
                    break;
                }
                at += 1;
            }
            out.push_str("\"\"");
        } else if c == '"' {
            at += 1;
            while at < chars.len() && chars[at] != '"' {
                at += if chars[at] == '\\' { 2 } else { 1 };
            }
            at += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next == Some('\\') {
            at += 2;
            while at < chars.len() && chars[at] != '\'' {
                at += 1;
            }
            at += 1;
            out.push_str("' '");
        } else if c == '\'' && chars.get(at + 2) == Some(&'\'') {
            at += 3;
            out.push_str("' '");
        } else {
            out.push(c);
            at += 1;
        }
    }
    out
}

/// At `r"`, `r#"`, `br"`, `br#"`…: the length of the prefix (`r`, `br`) and the number of `#`.
fn raw_string_start(chars: &[char]) -> Option<(usize, usize)> {
    let prefix = match chars {
        ['r', ..] => 1,
        ['b', 'r', ..] => 2,
        _ => return None,
    };
    let hashes = chars[prefix..].iter().take_while(|&&c| c == '#').count();
    (chars.get(prefix + hashes) == Some(&'"')).then_some((prefix, hashes))
}

/// Identifiers, `::` and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        if c.is_alphanumeric() || c == '_' {
            let start = at;
            while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '_') {
                at += 1;
            }
            tokens.push(chars[start..at].iter().collect());
            continue;
        }
        if c == ':' && chars.get(at + 1) == Some(&':') {
            tokens.push("::".to_owned());
            at += 2;
            continue;
        }
        if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
        at += 1;
    }
    tokens
}

/// Each cycle of `graph`, as the modules along it with the first one repeated at the end; one per back edge
/// found by a depth-first walk, so that every strongly connected group of modules is named at least once.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn walk<'g>(
        node: &'g str,
        graph: &'g Graph,
        marks: &mut BTreeMap<&'g str, Mark>,
        path: &mut Vec<&'g str>,
        found: &mut Vec<Vec<String>>,
    ) {
        marks.insert(node, Mark::OnPath);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            match marks.get(next.as_str()).copied().unwrap_or(Mark::New) {
                Mark::New => walk(next, graph, marks, path, found),
                Mark::OnPath => {
                    let start = path.iter().position(|n| n == next).unwrap_or_default();
                    let mut cycle: Vec<String> = path[start..].iter().map(|n| (*n).to_owned()).collect();
                    cycle.push(next.clone());
                    found.push(cycle);
                }
                Mark::Done => {}
            }
        }
        path.pop();
        marks.insert(node, Mark::Done);
    }
    let mut marks = BTreeMap::new();
    let mut found = Vec::new();
    for node in graph.keys() {
        if marks.get(node.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            walk(node, graph, &mut marks, &mut Vec::new(), &mut found);
        }
    }
    found
}

#[cfg(test)]
mod checks {
    use super::*;

    fn graph(edges: &[(&str, &str)]) -> Graph {
        let mut graph = Graph::new();
        for (from, to) in edges {
            graph.entry((*from).to_owned()).or_default().insert((*to).to_owned());
            graph.entry((*to).to_owned()).or_default();
        }
        graph
    }

    fn names(module: &[&str], text: &str) -> Vec<String> {
        let module: Vec<String> = module.iter().map(|m| (*m).to_owned()).collect();
        references(&module, text).into_iter().collect()
    }

    /// A layout with the cycles this test exists to catch: an applications trio, and an
    /// error/middleware/state/rate_limit/webhooks/offers circle.
    #[test]
    fn the_cycles_of_the_old_layout_are_named() {
        let old = graph(&[
            ("applications", "application_edits"),
            ("applications", "application_views"),
            ("application_edits", "applications"),
            ("application_views", "applications"),
            ("error", "middleware"),
            ("middleware", "state"),
            ("state", "rate_limit"),
            ("state", "webhooks"),
            ("rate_limit", "error"),
            ("webhooks", "offers"),
            ("offers", "error"),
            ("docs", "offers"),
        ]);
        let found = cycles(&old);
        let named = |cycle: &[&str]| found.iter().any(|c| c.iter().map(String::as_str).eq(cycle.iter().copied()));
        assert!(named(&["application_edits", "applications", "application_edits"]), "{found:?}");
        assert!(named(&["applications", "application_views", "applications"]), "{found:?}");
        assert!(found.iter().any(|c| c.contains(&"middleware".to_owned()) && c.contains(&"webhooks".to_owned())));
        assert!(!found.iter().any(|c| c.contains(&"docs".to_owned())));
    }

    #[test]
    fn a_layered_graph_has_no_cycle() {
        let layered = graph(&[("a", "b"), ("a", "c"), ("b", "c"), ("c", "d"), ("b", "d")]);
        assert!(cycles(&layered).is_empty());
    }

    #[test]
    fn crate_paths_groups_and_climbing_super_paths_are_edges() {
        let text = r##"
            use crate::{error::ApiError, state::{ApiState, HttpConfig}, params};
            use crate::body::Deferred;
            fn f() -> crate::envelope::Envelope<u8> { crate::json_config(1); todo!() }
            // crate::commented::Out
            const S: &str = "crate::quoted::Out";
            const R: &str = r#"crate::raw::Out"#;
            const C: char = '"';
            fn g<'a>(x: &'a str) -> &'a str { x }
            use super::read;
            mod tests { use super::*; use super::super::super::sibling::X; use super::super::edit_sibling::Y; }
            macro_rules! m { () => { $crate::hidden::X } }
            pub(crate) fn h() {}
        "##;
        assert_eq!(
            names(&["applications", "edit"], text),
            ["body", "envelope", "error", "json_config", "params", "sibling", "state"]
        );
        assert_eq!(
            names(&["offers"], "use super::state::ApiState; fn f() { super::lib_item(); }"),
            ["lib_item", "state"]
        );
        assert_eq!(names(&["offers", "public"], "use super::PageQuery;"), Vec::<String>::new());
    }

    /// The whole check, on a tree shaped like the old one: the edit and view modules used the applications module,
    /// which used them back.
    #[test]
    fn an_old_style_tree_is_read_into_its_cycles() {
        let src = std::env::temp_dir().join(format!("seeg-import-cycles-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&src);
        std::fs::create_dir_all(src.join("offers")).unwrap();
        let files = [
            ("lib.rs", "mod applications; mod application_edits; mod error; mod offers;"),
            ("applications.rs", "use crate::application_edits;\nuse crate::{error::ApiError, offers::parse_uuid};"),
            ("application_edits.rs", "use crate::applications::{DocumentBody, decode_document};"),
            ("error.rs", "// use crate::applications::Nothing;\nconst S: &str = \"crate::offers\";"),
            ("offers/mod.rs", "mod public; pub(crate) use public::parse_uuid;"),
            ("offers/public.rs", "use super::super::error::ApiError; pub(crate) fn parse_uuid() {}"),
        ];
        for (path, text) in files {
            std::fs::write(src.join(path), text).unwrap();
        }
        let graph = graph_of(&src);
        std::fs::remove_dir_all(&src).unwrap();
        let edges = |module: &str| graph[module].iter().map(String::as_str).collect::<Vec<_>>();
        assert_eq!(edges("applications"), ["application_edits", "error", "offers"]);
        assert_eq!(edges("error"), Vec::<&str>::new(), "comments and strings are not imports");
        assert_eq!(edges("offers"), ["error"], "a `super::super::` path that climbs to the root");
        let found = cycles(&graph);
        assert_eq!(found, [["application_edits", "applications", "application_edits"]]);
    }

    #[test]
    fn files_belong_to_their_top_level_module() {
        assert_eq!(module_path(Path::new("lib.rs")), Vec::<String>::new());
        assert_eq!(module_path(Path::new("error.rs")), ["error"]);
        assert_eq!(module_path(Path::new("offers/mod.rs")), ["offers"]);
        assert_eq!(module_path(Path::new("offers/public.rs")), ["offers", "public"]);
    }
}
