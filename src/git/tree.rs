//! Parsing a raw tree object, without libgit2's tree type.
//!
//! The history walk reads hundreds of thousands of trees and looks at each entry once; going
//! through the object database and reading the bytes in place avoids a parsed copy per tree and
//! the object cache that libgit2 would fill with trees nobody asks for again.

use super::ObjectId;

/// What a tree entry is, from its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum EntryKind {
    Tree,
    /// A regular or executable file.
    File,
    /// Symlinks and submodules: neither is content a configuration tool deploys from the
    /// repository.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Entry<'a> {
    pub kind: EntryKind,
    pub name: &'a [u8],
    pub id: ObjectId,
}

/// The entries of a raw tree (`<octal mode> <name>\0<20-byte id>`, repeated), or `None` when the
/// bytes are not a well-formed tree.
pub(super) fn entries(mut data: &[u8]) -> Option<Vec<Entry<'_>>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let space = data.iter().position(|&b| b == b' ')?;
        let mode = parse_octal(&data[..space])?;
        let rest = &data[space + 1..];
        let nul = rest.iter().position(|&b| b == 0)?;
        let name = &rest[..nul];
        let id: [u8; 20] = rest.get(nul + 1..nul + 21)?.try_into().ok()?;
        out.push(Entry {
            kind: kind_of(mode),
            name,
            id: ObjectId(id),
        });
        data = &rest[nul + 21..];
    }
    Some(out)
}

fn kind_of(mode: u32) -> EntryKind {
    match mode & 0o170000 {
        0o040000 => EntryKind::Tree,
        0o100000 => EntryKind::File,
        _ => EntryKind::Other,
    }
}

fn parse_octal(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 7 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &d| match d {
        b'0'..=b'7' => Some(acc * 8 + u32::from(d - b'0')),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, fill) in entries {
            out.extend_from_slice(mode.as_bytes());
            out.push(b' ');
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            out.extend_from_slice(&[*fill; 20]);
        }
        out
    }

    #[test]
    fn modes_map_to_kinds() {
        let data = raw(&[
            ("40000", "dir", 1),
            ("100644", "a.tf", 2),
            ("100755", "run.sh", 3),
            ("120000", "link", 4),
            ("160000", "sub", 5),
        ]);
        let got = entries(&data).unwrap();
        let kinds: Vec<_> = got.iter().map(|e| (e.name, e.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (&b"dir"[..], EntryKind::Tree),
                (&b"a.tf"[..], EntryKind::File),
                (&b"run.sh"[..], EntryKind::File),
                (&b"link"[..], EntryKind::Other),
                (&b"sub"[..], EntryKind::Other),
            ]
        );
        assert_eq!(got[1].id, ObjectId([2; 20]));
    }

    #[test]
    fn truncated_trees_are_rejected() {
        let data = raw(&[("100644", "a.tf", 2)]);
        assert!(entries(&data[..data.len() - 1]).is_none());
        assert!(entries(b"100644 a.tf").is_none());
        assert_eq!(entries(b"").unwrap(), vec![]);
    }
}
