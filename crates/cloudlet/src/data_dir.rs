//! The platform's default data directory for cloudlet.

use std::path::PathBuf;

/// `$XDG_DATA_HOME/cloudlet`, `~/.local/share/cloudlet` on Linux,
/// `~/Library/Application Support/cloudlet` on macOS, `%APPDATA%\cloudlet` on Windows.
pub fn default() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("cloudlet"));
    }
    if cfg!(windows) {
        return std::env::var_os("APPDATA").map(|a| PathBuf::from(a).join("cloudlet"));
    }
    let home = PathBuf::from(std::env::var_os("HOME")?);
    if cfg!(target_os = "macos") {
        return Some(home.join("Library/Application Support/cloudlet"));
    }
    Some(home.join(".local/share/cloudlet"))
}
