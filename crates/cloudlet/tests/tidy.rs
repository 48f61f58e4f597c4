//! House rules a machine can check: every Rust file opens with a `//!` comment saying what it
//! is, no `todo!()` or `unimplemented!()` is left outside tests, and `unsafe` is allowed only
//! where ARCHITECTURE.md says.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if p.is_dir() {
            if !matches!(name.as_ref(), "target" | ".git" | "node_modules") {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

#[test]
fn every_rust_file_starts_with_a_module_comment() {
    let mut files = Vec::new();
    rust_files(&repo_root(), &mut files);
    assert!(files.len() > 10, "found only {} files", files.len());
    let missing: Vec<_> = files
        .iter()
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap_or_default()
                .starts_with("//!")
        })
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! header: {missing:?}"
    );
}

#[test]
fn no_todo_outside_tests() {
    let mut files = Vec::new();
    rust_files(&repo_root(), &mut files);
    let (todo, unimpl) = (concat!("todo", "!("), concat!("unimplemented", "!("));
    let mut bad = Vec::new();
    for p in &files {
        let s = p.to_string_lossy();
        if s.contains("/tests/") {
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap_or_default();
        // Code after `#[cfg(test)]` is test code.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        if code.contains(todo) || code.contains(unimpl) {
            bad.push(p.clone());
        }
    }
    assert!(
        bad.is_empty(),
        "todo!/unimplemented! outside tests: {bad:?}"
    );
}

#[test]
fn unsafe_code_only_where_allowed() {
    // The workspace denies `unsafe_code`; these files alone allow it (ARCHITECTURE.md says why).
    const ALLOWED: &[&str] = &[
        "crates/cloudlet-s3/src/crc64.rs",
        "crates/cloudlet-s3/src/filebody.rs",
    ];
    let root = repo_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let allow = concat!("allow(", "unsafe_code)");
    let bad: Vec<_> = files
        .iter()
        .filter(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(p).to_string_lossy();
            !ALLOWED.contains(&rel.as_ref())
                && std::fs::read_to_string(p)
                    .unwrap_or_default()
                    .contains(allow)
        })
        .collect();
    assert!(bad.is_empty(), "unsafe code allowed in {bad:?}");
}
