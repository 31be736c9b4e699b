//! Finding state files when the user names none (or names a directory): every `*.tfstate`
//! below the directory, in a stable order, never inside `.terraform/` (backend metadata and
//! provider caches) or `.git/`. Symbolic links to directories are not followed, so a link
//! loop cannot hang the audit.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Directories whose contents are never states of the estate.
const SKIPPED_DIRS: &[&str] = &[".terraform", ".git"];

/// Every `*.tfstate` file below `root`, sorted by path.
pub fn discover_states(root: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let file_type = entry.file_type()?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if file_type.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_ref()) {
                    pending.push(entry.path());
                }
            } else if name.ends_with(".tfstate") && !file_type.is_dir() {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_states_and_skips_terraform_and_git_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for path in [
            "prod/terraform.tfstate",
            "prod/terraform.tfstate.backup",
            "prod/.terraform/terraform.tfstate",
            ".git/x.tfstate",
            "staging/eu/app.tfstate",
            "notes.txt",
        ] {
            let path = root.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "{}").unwrap();
        }
        let found: Vec<_> = discover_states(root)
            .unwrap()
            .into_iter()
            .map(|p| {
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(found, ["prod/terraform.tfstate", "staging/eu/app.tfstate"]);
    }
}
