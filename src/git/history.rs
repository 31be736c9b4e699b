//! The expensive half of the index, every reachable commit and every configuration blob, built
//! from scratch or brought up to date from the cache.
//!
//! From the cache, the commits the refs now reach are read down to the first cached one, and
//! then, by what changed:
//!
//! * nothing new: the cached history as it is (missing blobs of a partial clone are looked for
//!   again, as a fetch may have brought them);
//! * new commits, every cached one still reachable: only the new commits are walked
//!   ([`extend`]); when they outnumber the cached ones, a whole walk is cheaper;
//! * cached commits no ref reaches any more (a force-push, a deleted branch): the history is
//!   walked again without them, since which blobs and paths only they held is not recorded;
//!   blob digests are kept, a blob's content being fixed by its id;
//! * a changed shallow boundary or grafts file (parents appear or vanish): read again.
//!
//! Whatever the path taken, the result is the index a fresh build gives (`tests/git_cache.rs`
//! checks it for each).

use std::path::Path;

use crate::model::id::Sha256;
use git2::Repository;

use super::blobs::{BlobColumns, BlobTable, MissingBlob};
use super::build::{self, KnownDigests};
use super::cache::{CacheFile, CacheOutcome, CacheSettings, CacheState, Loaded, Snapshot};
use super::extend::{self, BlobFacts};
use super::graph::Graph;
use super::repo::read_error;
use super::{commits, GitIndexError, ObjectId};

pub(super) struct History {
    pub graph: Graph,
    pub blobs: BlobTable,
}

/// The history reachable from `tips`, through the cache `settings` name.
pub(super) fn read(
    repo: &Repository,
    path: &Path,
    tips: &[ObjectId],
    settings: &CacheSettings,
) -> Result<(History, CacheOutcome), GitIndexError> {
    let CacheSettings::Directory(dir) = settings else {
        let history = fresh(repo, path, tips, &KnownDigests::new())?;
        return Ok((history, CacheOutcome::disabled()));
    };
    let file = CacheFile::for_repository(dir, repo.path());
    let shallow = shallow_digest(repo);
    let mut warnings = Vec::new();
    let cached = match file.load() {
        Loaded::Absent => Err((CacheState::Cold, None)),
        Loaded::Unusable { reason, warn } => {
            let warning = warn.then(|| reason.clone());
            Err((CacheState::Rebuilt { reason }, warning))
        }
        Loaded::Snapshot(snapshot) => {
            let Snapshot {
                shallow: cached_shallow,
                commits,
                blobs,
                missing,
            } = *snapshot;
            match Graph::from_numbered(commits) {
                Ok(graph) => Ok((graph, blobs, missing, cached_shallow)),
                Err(why) => {
                    let reason = format!("corrupt: {why}");
                    Err((
                        CacheState::Rebuilt {
                            reason: reason.clone(),
                        },
                        Some(reason),
                    ))
                }
            }
        }
    };
    let (history, state, changed) = match cached {
        Ok((graph, blobs, missing, cached_shallow)) => {
            let cache = Cached {
                graph,
                blobs,
                missing,
            };
            if cached_shallow == shallow {
                update(repo, path, tips, cache)?
            } else {
                let history = fresh(repo, path, tips, &known_digests(&cache.blobs))?;
                let reason = "the repository's shallow boundary or grafts changed".to_string();
                (history, CacheState::Rebuilt { reason }, true)
            }
        }
        Err((state, warning)) => {
            // A damaged or foreign file is said once; the rebuilt file replaces it.
            if let Some(reason) = warning {
                warnings.push(format!(
                    "the git index cache {} is unusable ({reason}); rebuilding it",
                    file.path().display()
                ));
            }
            let history = fresh(repo, path, tips, &KnownDigests::new())?;
            (history, state, true)
        }
    };
    if changed {
        if let Err(e) = file.save(&shallow, &history.graph, &history.blobs) {
            warnings.push(format!(
                "the git index cache {} could not be written ({e}); the next audit will index \
                 from scratch",
                file.path().display()
            ));
        }
    } else {
        file.touch();
    }
    let outcome = CacheOutcome {
        state,
        file: Some(file.path().to_path_buf()),
        warnings,
    };
    Ok((history, outcome))
}

/// Everything from the repository; the digests of `known` blobs are taken, not recomputed.
fn fresh(
    repo: &Repository,
    path: &Path,
    tips: &[ObjectId],
    known: &KnownDigests,
) -> Result<History, GitIndexError> {
    let graph = Graph::new(commits::read_commits(repo, tips, path)?);
    let blobs = build::blob_table(repo.path(), path, &graph, known)?;
    Ok(History { graph, blobs })
}

/// A cached history, its commits numbered.
struct Cached {
    graph: Graph,
    blobs: BlobColumns,
    missing: Vec<MissingBlob>,
}

/// The cached history brought up to date; whether it changed (and so must be saved).
fn update(
    repo: &Repository,
    path: &Path,
    tips: &[ObjectId],
    cache: Cached,
) -> Result<(History, CacheState, bool), GitIndexError> {
    let Cached {
        graph: cached,
        blobs,
        missing,
    } = cache;
    let new = commits::read_commits_except(repo, tips, path, &|id| cached.index_of(id).is_some())?;
    let new_ids: Vec<ObjectId> = new.ids.clone();
    let cached_count = cached.len();
    let graph = cached.with(new);
    let tip_indices: Vec<u32> = tips.iter().filter_map(|t| graph.index_of(t)).collect();
    let reachable = graph.ancestors(&tip_indices);
    let unreachable = graph.len() - reachable.count();
    if unreachable > 0 {
        let graph = graph.retain(&reachable);
        let blobs = build::blob_table(repo.path(), path, &graph, &known_digests(&blobs))?;
        let state = CacheState::Rewalked {
            unreachable,
            new: new_ids.len(),
        };
        return Ok((History { graph, blobs }, state, true));
    }
    if new_ids.len() > cached_count {
        let blobs = build::blob_table(repo.path(), path, &graph, &known_digests(&blobs))?;
        let state = CacheState::Extended {
            commits: new_ids.len(),
        };
        return Ok((History { graph, blobs }, state, true));
    }
    let odb = repo
        .odb()
        .map_err(|e| read_error(path, "the object database", &e))?;
    let mut facts = BlobFacts::new(blobs, missing);
    let arrived = facts.look_for_missing(&odb, path)?;
    let mut order: Vec<u32> = new_ids.iter().filter_map(|id| graph.index_of(id)).collect();
    order.sort_unstable_by_key(|&i| graph.walk_key(i));
    extend::walk(&odb, path, &graph, &order, &mut facts)?;
    let blobs = facts.finish(&odb, path)?;
    let state = match new_ids.len() {
        0 => CacheState::Warm,
        commits => CacheState::Extended { commits },
    };
    let changed = !new_ids.is_empty() || arrived > 0;
    Ok((History { graph, blobs }, state, changed))
}

fn known_digests(blobs: &BlobColumns) -> KnownDigests {
    (blobs.ids.iter().copied())
        .zip(blobs.digests.iter().copied())
        .collect()
}

/// A digest of what decides where a shallow or grafted history stops: the `shallow` and
/// `info/grafts` files (absent ones count as empty).
fn shallow_digest(repo: &Repository) -> [u8; 32] {
    let common = repo.commondir();
    let mut hasher = Sha256::new();
    for name in ["shallow", "info/grafts"] {
        let content = std::fs::read(common.join(name)).unwrap_or_default();
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    hasher.finish()
}
