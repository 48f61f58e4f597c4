//! Function code packages: checking an uploaded zip (readable, no entry escaping the code
//! directory through `..`, absolute paths or symlinks, at most 250 MB unzipped) and
//! unpacking it into a directory cloudlet names itself. Knows nothing of functions.

use std::io::{Cursor, Read};
use std::path::{Component, Path, PathBuf};

use crate::error::LambdaError;

/// AWS's limit on the unzipped size of a function's code.
pub const MAX_UNZIPPED: u64 = 262_144_000;

fn unzip_error() -> LambdaError {
    LambdaError::InvalidParameter(
        "Could not unzip uploaded file. Please check your file, then try to upload again.".into(),
    )
}

fn too_big() -> LambdaError {
    LambdaError::InvalidParameter(format!(
        "Unzipped size must be smaller than {MAX_UNZIPPED} bytes"
    ))
}

/// Whether a relative symlink `target` stored at `entry` stays inside the package.
fn link_stays_inside(entry: &Path, target: &str) -> bool {
    let target = Path::new(target);
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = entry.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// One checked entry.
enum Entry {
    Dir(PathBuf),
    File {
        path: PathBuf,
        mode: u32,
        index: usize,
    },
    Link {
        path: PathBuf,
        target: String,
    },
}

/// An opened archive and its checked entries.
type Checked<'a> = (zip::ZipArchive<Cursor<&'a [u8]>>, Vec<Entry>);

fn entries(zip: &[u8]) -> Result<Checked<'_>, LambdaError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|_| unzip_error())?;
    let mut out = Vec::new();
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let mut f = archive.by_index(index).map_err(|_| unzip_error())?;
        let path = f.enclosed_name().ok_or_else(unzip_error)?;
        if path.as_os_str().is_empty() {
            continue;
        }
        declared = declared.saturating_add(f.size());
        if declared > MAX_UNZIPPED {
            return Err(too_big());
        }
        if f.is_symlink() {
            let mut target = String::new();
            f.by_ref()
                .take(4096)
                .read_to_string(&mut target)
                .map_err(|_| unzip_error())?;
            if !link_stays_inside(&path, &target) {
                return Err(unzip_error());
            }
            out.push(Entry::Link { path, target });
        } else if f.is_dir() {
            out.push(Entry::Dir(path));
        } else {
            let mode = f.unix_mode().unwrap_or(0o644) & 0o777;
            out.push(Entry::File { path, mode, index });
        }
    }
    Ok((archive, out))
}

/// Checks an uploaded zip without unpacking it.
pub fn inspect(zip: &[u8]) -> Result<(), LambdaError> {
    entries(zip).map(|_| ())
}

/// Unpacks `zip` into `dest` (created; must not exist), counting the bytes really written
/// against the 250 MB limit. On error `dest` is removed.
pub fn unpack(zip: &[u8], dest: &Path) -> Result<(), LambdaError> {
    let result = unpack_inner(zip, dest);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(dest);
    }
    result
}

fn unpack_inner(zip: &[u8], dest: &Path) -> Result<(), LambdaError> {
    use std::os::unix::fs::PermissionsExt;
    let io = |e: std::io::Error| LambdaError::Service(format!("cannot unpack function code: {e}"));
    let (mut archive, list) = entries(zip)?;
    std::fs::create_dir_all(dest).map_err(io)?;
    let mut written: u64 = 0;
    for e in list {
        match e {
            Entry::Dir(p) => std::fs::create_dir_all(dest.join(p)).map_err(io)?,
            Entry::File { path, mode, index } => {
                let full = dest.join(&path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                let mut f = archive.by_index(index).map_err(|_| unzip_error())?;
                let mut out = std::fs::File::create(&full).map_err(io)?;
                let n = std::io::copy(&mut f.by_ref().take(MAX_UNZIPPED + 1 - written), &mut out)
                    .map_err(|_| unzip_error())?;
                written += n;
                if written > MAX_UNZIPPED {
                    return Err(too_big());
                }
                // Readable by the owner at least, never setuid/setgid.
                std::fs::set_permissions(&full, std::fs::Permissions::from_mode(mode | 0o400))
                    .map_err(io)?;
            }
            Entry::Link { path, target } => {
                let full = dest.join(&path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(io)?;
                }
                std::os::unix::fs::symlink(&target, &full).map_err(io)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in files {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn check(files: &[(&str, &str)], ok: bool) {
        assert_eq!(inspect(&zip_of(files)).is_ok(), ok, "{files:?}");
    }

    #[test]
    fn zips() {
        check(&[("lambda_function.py", "x")], true);
        check(&[("pkg/mod.py", "x"), ("pkg/__init__.py", "")], true);
        check(&[("../evil.py", "x")], false);
        check(&[("a/../../evil.py", "x")], false);
        check(&[("/etc/evil", "x")], false);
        assert!(inspect(b"not a zip").is_err());
    }

    #[test]
    fn links() {
        let cases = [
            ("lib/a", "b", true),
            ("lib/a", "../b", true),
            ("lib/a", "../../b", false),
            ("a", "/etc/passwd", false),
            ("a/b/c", "../../x/./y", true),
        ];
        for (entry, target, want) in cases {
            assert_eq!(
                link_stays_inside(Path::new(entry), target),
                want,
                "{entry} -> {target}"
            );
        }
    }

    #[test]
    fn unpack_writes_files() {
        let dir = std::env::temp_dir().join(format!("cloudlet-code-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        unpack(&zip_of(&[("a/b.txt", "hello")]), &dir).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("a/b.txt")).unwrap(),
            "hello"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
