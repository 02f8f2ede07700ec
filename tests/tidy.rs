//! Architecture invariants, checked cheaply on the source text (see docs/ARCHITECTURE.md).

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The source without its `#[cfg(test)]` module, which may use what the rest may not.
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[test]
fn the_core_does_no_io() {
    let forbidden = [
        "rusqlite",
        "tokio",
        "ratatui",
        "crossterm",
        "clap",
        "std::fs",
        "std::env",
        "std::io",
        "std::net",
        "std::process",
        "crate::cli",
        "crate::config",
    ];
    let files = rust_files(&src().join("core"));
    assert!(
        files.len() >= 5,
        "expected the core's files, found {files:?}"
    );
    for path in files {
        let code = code_of(&path);
        for word in forbidden {
            assert!(
                !code.contains(word),
                "{} uses {word}; the core must do no I/O",
                path.display()
            );
        }
    }
}

#[test]
fn only_main_reads_the_clock() {
    let clock_reads = [
        "Utc::now",
        "Local::now",
        "SystemTime::now",
        "Instant::now",
        "chrono::Utc::now",
    ];
    for path in rust_files(&src()) {
        if path.ends_with("main.rs") {
            continue;
        }
        let code = code_of(&path);
        for read in clock_reads {
            assert!(
                !code.contains(read),
                "{} calls {read}; take `now` as an argument",
                path.display()
            );
        }
    }
    let main = std::fs::read_to_string(src().join("main.rs")).unwrap();
    assert!(
        main.contains("Utc::now()"),
        "main.rs should be where the clock is read"
    );
}

/// The `crate::` paths a file's code (tests aside) names: `crate::core::deadline` gives `core`.
fn crate_paths(code: &str) -> Vec<String> {
    code.match_indices("crate::")
        .map(|(i, m)| {
            code[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// The layers of docs/ARCHITECTURE.md, each with what it may import from the rest of the crate.
/// `main`, `cli`, `tui`, `config` and `demo` sit on top and may use what they need.
const LAYERS: &[(&str, &[&str])] = &[
    ("core", &[]),
    ("storage", &["core"]),
    ("service.rs", &["storage", "core"]),
    ("app", &["core"]),
    ("keys.rs", &["app", "core"]),
    ("ui", &["app", "keys", "core"]),
    ("files.rs", &[]),
];

#[test]
fn every_layer_imports_only_what_the_architecture_allows() {
    for (layer, allowed) in LAYERS {
        let path = src().join(layer);
        let files = if path.is_dir() {
            rust_files(&path)
        } else {
            vec![path.clone()]
        };
        assert!(!files.is_empty(), "no files for the layer {layer}");
        let own = layer.trim_end_matches(".rs");
        for file in files {
            for name in crate_paths(&code_of(&file)) {
                assert!(
                    name == own || allowed.contains(&name.as_str()),
                    "{} imports crate::{name}; the {own} layer may import only {allowed:?} (docs/ARCHITECTURE.md)",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn only_the_sqlite_backend_knows_rusqlite() {
    for path in rust_files(&src()) {
        if path.starts_with(src().join("storage").join("sqlite")) {
            continue;
        }
        let code = code_of(&path);
        // The port's documentation may name what it keeps out; no code may use it.
        let uses = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .any(|l| l.contains("rusqlite"));
        assert!(
            !uses,
            "{} uses rusqlite; only src/storage/sqlite may (the rest goes through the Store port)",
            path.display()
        );
    }
}

#[test]
fn only_the_postgresql_backend_knows_the_postgres_crate() {
    for path in rust_files(&src()) {
        if path.starts_with(src().join("storage").join("postgres")) {
            continue;
        }
        let code = code_of(&path);
        // The crate's paths start a path (`postgres::Client`); the backend's module is only
        // ever named through `storage::postgres` or `super::postgres`.
        let uses = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .any(|l| {
                l.match_indices("postgres::").any(|(i, _)| {
                    !l[..i].ends_with("::")
                        && !l[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            });
        assert!(
            !uses,
            "{} uses the postgres crate; only src/storage/postgres may (the rest goes through the Store port)",
            path.display()
        );
    }
}
