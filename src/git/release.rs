//! Choosing the release branches: the ones the user named, or else the repository's default
//! branch, and recording how the choice was made so the report can say so.
//!
//! A branch name stands for every ref that carries it: `main` means `refs/heads/main` and each
//! `refs/remotes/<remote>/main`, because an audit host usually has the remote-tracking branch
//! and a developer's clone usually has both. `origin/main` names just that remote-tracking ref.

use std::path::Path;

use super::refs::Refs;
use super::{GitIndexError, ReleaseBranch, ReleaseBranchOrigin};

pub(super) fn choose(
    refs: &Refs,
    requested: &[String],
    path: &Path,
) -> Result<(Vec<ReleaseBranch>, ReleaseBranchOrigin), GitIndexError> {
    if !requested.is_empty() {
        return requested_branches(refs, requested, path)
            .map(|branches| (branches, ReleaseBranchOrigin::Requested));
    }
    let remote_head = refs
        .remote_heads
        .iter()
        .find(|(remote, _)| remote == "origin")
        .or_else(|| refs.remote_heads.first())
        .map(|(_, branch)| branch.as_str());
    let candidates = [
        (remote_head, ReleaseBranchOrigin::RemoteHead),
        (
            refs.head_branch.as_deref(),
            ReleaseBranchOrigin::CurrentBranch,
        ),
        (Some("main"), ReleaseBranchOrigin::Conventional),
        (Some("master"), ReleaseBranchOrigin::Conventional),
    ];
    for (name, origin) in candidates {
        if let Some(branch) = name.and_then(|name| expand(refs, name)) {
            return Ok((vec![branch], origin));
        }
    }
    Err(GitIndexError::NoReleaseBranch {
        path: path.to_path_buf(),
    })
}

fn requested_branches(
    refs: &Refs,
    requested: &[String],
    path: &Path,
) -> Result<Vec<ReleaseBranch>, GitIndexError> {
    let mut branches: Vec<ReleaseBranch> = Vec::new();
    for name in requested {
        if branches.iter().any(|b| &b.name == name) {
            continue;
        }
        let branch = expand(refs, name).ok_or_else(|| GitIndexError::UnknownReleaseBranch {
            name: name.clone(),
            path: path.to_path_buf(),
        })?;
        branches.push(branch);
    }
    Ok(branches)
}

/// The refs that carry branch `name`, or `None` when no ref does.
fn expand(refs: &Refs, name: &str) -> Option<ReleaseBranch> {
    let mut carried: Vec<(String, super::ObjectId)> = refs
        .branches
        .iter()
        .filter(|b| b.name == name || b.short == name || b.full == name)
        .map(|b| (b.full.clone(), b.tip))
        .collect();
    carried.sort();
    carried.dedup();
    (!carried.is_empty()).then(|| ReleaseBranch {
        name: name.to_string(),
        refs: carried,
    })
}
