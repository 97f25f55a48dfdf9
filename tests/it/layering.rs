//! The crate's layering, read from its sources: the top-level modules of `src/` import
//! each other without a circle, and the GPU side imports nothing from `spec/` (the
//! architecture chapter's rules). A `crate::x` path in code (not in a comment, not in a
//! `#[cfg(test)] mod tests`) counts as an import of `x`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules each top-level module imports (`lib.rs` and `main.rs` left out:
/// they import everything by design).
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("a file under src/");
        let first = relative.components().next().expect("a path");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        // Unit tests may reach anywhere; the convention is one `mod tests` at the end.
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        let imports = graph.entry(module.clone()).or_default();
        for line in code.lines() {
            let line = line.split("//").next().unwrap_or_default();
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + "crate::".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    imports.insert(name);
                }
            }
        }
    }
    graph
}

/// A circle through `start`, if there is one (depth-first search).
fn circle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().expect("a non-empty path").clone();
        for next in graph.get(&here).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn top_level_modules_import_each_other_without_a_circle() {
    let graph = module_graph();
    // The reader must see the modules it judges: a rename would make this test vacuous.
    for (module, needs) in [
        ("randomize", "scene"),
        ("scene", "motion"),
        ("motion", "camera"),
    ] {
        assert!(
            graph.get(module).is_some_and(|m| m.contains(needs)),
            "expected src/{module} to import crate::{needs}; the graph read: {graph:?}"
        );
    }
    let circles: Vec<String> = graph
        .keys()
        .filter_map(|m| circle_through(&graph, m))
        .map(|c| c.join(" -> "))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles between top-level modules: {circles:#?}"
    );
}

#[test]
fn the_gpu_side_imports_nothing_from_the_spec() {
    let graph = module_graph();
    for module in ["gpu", "post", "scene", "camera"] {
        let imports = graph.get(module).expect("the module exists");
        assert!(
            !imports.contains("spec") && !imports.contains("randomize"),
            "src/{module} imports {imports:?}: drawing takes a FrameScene, not a spec"
        );
    }
}
