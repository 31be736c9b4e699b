//! Resolving claims against the git index. Many components claim the same commit, so each
//! distinct claim value is resolved once, on any thread, and the trace copied to every
//! component that holds it.

use crate::git::{GitIndex, Resolution};
use crate::model::{Behind, Claim, Component, Trace, TraceCommit, TraceStatus};
use rayon::prelude::*;

/// Fills `traces` of every component from its commit and tag claims. A claim bound to a
/// branch (a Puppet environment's) is judged against that branch instead of the release
/// branches.
pub fn attach_traces(components: &mut [Component], index: &GitIndex) {
    // Distinct claims first, resolved on every thread; then each component's traces copied
    // from them, also on every thread.
    let mut wanted: Vec<(&str, Option<&str>)> = components
        .iter()
        .flat_map(|c| {
            revision_claims(c).map(|claim| (claim.value.as_str(), claim.branch.as_deref()))
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let resolved: Vec<Trace> = wanted
        .par_iter()
        .map(|&(claim, branch)| trace(claim, branch, index))
        .collect();
    let traces: Vec<Vec<Trace>> = components
        .par_iter()
        .map(|component| {
            revision_claims(component)
                .map(|claim| {
                    let claimed = (claim.value.as_str(), claim.branch.as_deref());
                    let at = wanted
                        .binary_search(&claimed)
                        .expect("every claim was resolved");
                    let mut trace = resolved[at].clone();
                    trace.key = claim.key.clone();
                    trace
                })
                .collect()
        })
        .collect();
    for (component, traces) in components.iter_mut().zip(traces) {
        component.traces = traces;
    }
}

fn revision_claims(component: &Component) -> impl Iterator<Item = &Claim> {
    (component.claims.iter()).filter(|c| c.kind.names_a_revision())
}

fn trace(claim: &str, branch: Option<&str>, index: &GitIndex) -> Trace {
    let mut trace = Trace {
        required_branch: branch.map(str::to_string),
        claim: claim.to_string(),
        key: String::new(),
        status: TraceStatus::Unknown,
        commit: None,
        release_branches: Vec::new(),
        branches: Vec::new(),
        tags: Vec::new(),
        candidates: Vec::new(),
        behind: None,
    };
    match index.resolve(claim) {
        Resolution::NotFound => {}
        Resolution::Ambiguous(candidates) => {
            trace.status = TraceStatus::Ambiguous;
            trace.candidates = candidates.iter().map(|c| c.to_hex()).collect();
        }
        Resolution::Unreferenced(id) => {
            trace.status = TraceStatus::Unreferenced;
            trace.commit = Some(TraceCommit {
                id: id.to_hex(),
                author: String::new(),
                date: String::new(),
                summary: String::new(),
                via_tag: None,
            });
        }
        Resolution::Commit { id, via_tag } => {
            if let Some(info) = index.commit(&id) {
                trace.commit = Some(TraceCommit {
                    id: id.to_hex(),
                    author: format!("{} <{}>", info.author_name, info.author_email),
                    date: crate::time::rfc3339(info.author_time),
                    summary: info.summary.clone(),
                    via_tag,
                });
            }
            trace.tags = index.tags_pointing_at(&id);
            trace.release_branches = match branch {
                None => index.release_branches_containing(&id),
                Some(wanted) => branch_containing(index, &id, wanted).into_iter().collect(),
            };
            if trace.release_branches.is_empty() {
                trace.status = TraceStatus::Unreleased;
                trace.branches = index.branches_containing(&id);
            } else {
                trace.status = TraceStatus::Released;
                trace.behind = closest_release(index, &id, &trace.release_branches);
            }
        }
    }
    trace
}

/// The branch a claim is bound to, by the name it is known in the repository (`production`,
/// else a remote-tracking `origin/production`), when it contains the commit.
fn branch_containing(index: &GitIndex, id: &crate::git::ObjectId, wanted: &str) -> Option<String> {
    branch_ref(index, wanted).filter(|name| index.behind(id, name).is_some())
}

/// The name under which the repository has branch `wanted`: itself (a release branch or a
/// local branch), else a remote-tracking branch of that name.
pub fn branch_ref(index: &GitIndex, wanted: &str) -> Option<String> {
    if index.release_branches().iter().any(|b| b.name == wanted) {
        return Some(wanted.to_string());
    }
    let names = index.branch_names();
    if names.contains(&wanted) {
        return Some(wanted.to_string());
    }
    names
        .into_iter()
        .find(|n| n.rsplit_once('/').is_some_and(|(_, short)| short == wanted))
        .map(str::to_string)
}

/// Of the release branches containing the commit, the one it is least behind.
fn closest_release(
    index: &GitIndex,
    id: &crate::git::ObjectId,
    branches: &[String],
) -> Option<Behind> {
    branches
        .iter()
        .filter_map(|branch| {
            let (commits, seconds) = index.behind(id, branch)?;
            let tip = index
                .release_branches()
                .iter()
                .find(|b| &b.name == branch)
                .and_then(|b| {
                    b.refs.iter().map(|(_, tip)| *tip).max_by_key(|tip| {
                        index
                            .commit(tip)
                            .map(|c| c.committer_time)
                            .unwrap_or(i64::MIN)
                    })
                })
                .or_else(|| index.branch_tip(branch))?;
            Some(Behind {
                branch: branch.clone(),
                tip: tip.to_hex(),
                commits,
                days: (seconds.max(0) / 86_400) as u64,
            })
        })
        .min_by_key(|b| (b.days, b.commits))
}
