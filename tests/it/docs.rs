//! The README and the book (`docs/src`, an mdBook): every relative link reaches a file
//! that exists, every `#anchor` a heading of its target (ids as mdBook and GitHub make
//! them), and every page of the book is in its `SUMMARY.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The README and every Markdown page of the book, sorted.
fn documents() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md")];
    let mut stack = vec![root().join("docs/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "md") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The prose of a Markdown text: fenced and indented code blocks and inline code left
/// out (their brackets are no links).
fn prose(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    let mut previous_blank = true;
    let mut indented = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let blank = line.trim().is_empty();
        indented = if line.starts_with("    ") && (previous_blank || indented) {
            true
        } else {
            indented && blank
        };
        previous_blank = blank;
        if fenced || indented {
            continue;
        }
        // Inline code spans: drop what lies between pairs of backticks.
        let kept: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join("");
        out.push(kept);
    }
    out
}

/// The targets of `[text](target)` and `![alt](target)` links in a line.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        let target = after[..end].split_whitespace().next().unwrap_or("");
        out.push(target.to_owned());
        rest = &after[end..];
    }
    out
}

/// A heading's id as mdBook (and GitHub) make it: its text without Markdown, lower case,
/// letters, digits, `_` and `-` kept, white space turned into `-`, the rest dropped.
fn heading_id(heading: &str) -> String {
    let mut text = String::new();
    let mut chars = heading.chars().peekable();
    // `[text](url)` keeps its text.
    let mut in_url = false;
    while let Some(c) = chars.next() {
        match c {
            ']' if chars.peek() == Some(&'(') => {
                in_url = true;
                chars.next();
            }
            ')' if in_url => in_url = false,
            _ if in_url => {}
            '[' | ']' | '`' | '*' => {}
            _ => text.push(c),
        }
    }
    text.trim()
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// Every heading id of a Markdown file (a repeated one gets `-1`, `-2`, ...).
fn anchors(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let heading = line.trim_start_matches('#');
        if !heading.starts_with(' ') {
            continue;
        }
        let id = heading_id(heading);
        let n = seen.entry(id.clone()).or_default();
        out.insert(if *n == 0 {
            id.clone()
        } else {
            format!("{id}-{n}")
        });
        *n += 1;
    }
    out
}

#[test]
fn every_relative_link_and_anchor_in_the_readme_and_the_book_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        let name = doc.strip_prefix(root()).unwrap().display().to_string();
        for line in prose(&text) {
            for target in link_targets(&line) {
                if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
                    continue;
                }
                checked += 1;
                let (path, anchor) = match target.split_once('#') {
                    Some((p, a)) => (p, Some(a)),
                    None => (target.as_str(), None),
                };
                let file = if path.is_empty() {
                    doc.clone()
                } else {
                    doc.parent().unwrap().join(path)
                };
                if !file.exists() {
                    broken.push(format!("{name}: {target}: no such file"));
                    continue;
                }
                if let Some(anchor) = anchor
                    && !anchors(&file).contains(anchor)
                {
                    broken.push(format!("{name}: {target}: no heading with that id"));
                }
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} links found: the scan is broken"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn every_page_of_the_book_is_in_its_summary() {
    let src = root().join("docs/src");
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    let listed: BTreeSet<String> = prose(&summary)
        .iter()
        .flat_map(|l| link_targets(l))
        .collect();
    for doc in documents().iter().filter(|d| d.starts_with(&src)) {
        let rel = doc.strip_prefix(&src).unwrap().display().to_string();
        if rel != "SUMMARY.md" {
            assert!(listed.contains(&rel), "docs/src/{rel} is not in SUMMARY.md");
        }
    }
}

#[test]
fn heading_ids_follow_mdbook() {
    assert_eq!(
        heading_id(" Scale out: shards, merge, resume"),
        "scale-out-shards-merge-resume"
    );
    assert_eq!(heading_id(" The look (`render`)"), "the-look-render");
    assert_eq!(
        heading_id(" Millions of frames: `--format webdataset`"),
        "millions-of-frames---format-webdataset"
    );
    assert_eq!(heading_id(" [Link](x.md) text"), "link-text");
}

#[test]
fn the_readme_stays_short() {
    let lines = std::fs::read_to_string(root().join("README.md"))
        .unwrap()
        .lines()
        .count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines: reference material goes in the book"
    );
}
