//! Text of a dataset kept in one buffer: company keys, industries and countries
//! interned (a company's key is stored once however many incidents it has, and two
//! incidents have the same company exactly when they have the same [`TextId`]);
//! descriptive names and ids appended. An incident refers to its texts by [`TextId`], four bytes
//! instead of a `String` and an allocation each.

use std::hash::BuildHasher;
use std::num::NonZeroU32;

use hashbrown::HashTable;

/// A text of a [`Texts`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextId(NonZeroU32);

impl TextId {
    fn new(index: usize) -> TextId {
        // Index + 1 is never zero; a table holds fewer than u32::MAX texts (see `push`).
        TextId(
            u32::try_from(index)
                .ok()
                .and_then(|i| i.checked_add(1))
                .and_then(NonZeroU32::new)
                .unwrap_or(NonZeroU32::MAX),
        )
    }

    /// Position in its table, from 0.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// An interned text in the hash table: its hash, its index, and its first bytes and
/// length, so that a lookup compares short texts (most keys) without reading the
/// buffer, which lies elsewhere in memory.
#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    index: u32,
    short: Short,
}

/// The length of a text (saturated) and its first [`Short::LEN`] bytes, zero-padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Short {
    len: u8,
    bytes: [u8; Short::LEN],
}

impl Short {
    const LEN: usize = 19;

    fn of(s: &str) -> Short {
        let mut bytes = [0u8; Short::LEN];
        for (b, c) in bytes.iter_mut().zip(s.bytes()) {
            *b = c;
        }
        Short {
            len: u8::try_from(s.len()).unwrap_or(u8::MAX),
            bytes,
        }
    }
}

/// Texts in one buffer; text `i` is `buf[ends[i - 1]..ends[i]]`.
#[derive(Clone, Default)]
pub struct Texts {
    buf: String,
    ends: Vec<usize>,
    /// The interned texts; appended texts are not in it.
    table: HashTable<Entry>,
    state: foldhash::fast::RandomState,
}

/// The texts in order (the hash table and its seed are left out: they are the
/// same texts, and the seed differs from run to run).
impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.at(i)))
            .finish()
    }
}

impl Texts {
    /// The text `id` stands for ("" for an id of another table that is out of range).
    pub fn get(&self, id: TextId) -> &str {
        self.at(id.index())
    }

    fn at(&self, i: usize) -> &str {
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.buf.get(start..end).unwrap_or("")
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Appends `s` as a new text, even when an equal one exists (ids: each is
    /// checked for repeats later, under the rules).
    pub fn push(&mut self, s: &str) -> TextId {
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
        TextId::new(self.ends.len() - 1)
    }

    /// The id of `s`, added when new.
    pub fn intern(&mut self, s: &str) -> TextId {
        let hash = self.state.hash_one(s);
        self.intern_hashed(hash, s)
    }

    /// As [`Texts::intern`] with the hash of `s` under this table's hasher given.
    fn intern_hashed(&mut self, hash: u64, s: &str) -> TextId {
        let Texts {
            buf, ends, table, ..
        } = self;
        let text = |i: u32| {
            let i = i as usize;
            let start = i
                .checked_sub(1)
                .and_then(|p| ends.get(p))
                .copied()
                .unwrap_or(0);
            let end = ends.get(i).copied().unwrap_or(start);
            buf.get(start..end).unwrap_or("")
        };
        let short = Short::of(s);
        let same = |e: &Entry| {
            e.hash == hash && e.short == short && (s.len() <= Short::LEN || text(e.index) == s)
        };
        if let Some(e) = table.find(hash, same) {
            return TextId::new(e.index as usize);
        }
        let index = u32::try_from(ends.len()).unwrap_or(u32::MAX);
        buf.push_str(s);
        ends.push(buf.len());
        table.insert_unique(hash, Entry { hash, index, short }, |e| e.hash);
        TextId::new(index as usize)
    }

    /// A new empty table hashing as this one does, so that [`Texts::merge`] can
    /// reuse its hashes.
    pub(crate) fn sibling(&self) -> Texts {
        Texts {
            state: self.state.clone(),
            ..Texts::default()
        }
    }

    /// Adds every text of `other` (a [`Texts::sibling`]): interned ones are interned
    /// here too, reusing their hashes; appended ones are appended. Returns, for each
    /// text of `other`, its id here.
    pub(crate) fn merge(&mut self, other: &Texts) -> Vec<TextId> {
        let mut hashes: Vec<Option<u64>> = vec![None; other.len()];
        for e in &other.table {
            if let Some(slot) = hashes.get_mut(e.index as usize) {
                *slot = Some(e.hash);
            }
        }
        hashes
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                let s = other.at(i);
                match h {
                    Some(h) => self.intern_hashed(h, s),
                    None => self.push(s),
                }
            })
            .collect()
    }

    /// Appends every text of `other` as it is (no interning); returns the id the
    /// first of them now has. Ids of `other` map to `first + index`.
    pub(crate) fn append(&mut self, other: &Texts) -> usize {
        let first = self.ends.len();
        let base = self.buf.len();
        self.buf.push_str(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        first
    }

    /// The id at `first + index` (see [`Texts::append`]).
    pub(crate) fn shifted(first: usize, id: TextId) -> TextId {
        TextId::new(first + id.index())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn interned_texts_are_stored_once_and_pushed_ones_always() {
        let mut t = Texts::default();
        let a = t.intern("acme");
        let b = t.intern("globex");
        assert_eq!(t.intern("acme"), a);
        assert_ne!(a, b);
        let p = t.push("acme");
        assert_ne!(p, a);
        assert_eq!(t.get(a), "acme");
        assert_eq!(t.get(b), "globex");
        assert_eq!(t.get(p), "acme");
        assert_eq!(t.intern(""), t.intern(""));
        let empty = t.intern("");
        assert_eq!(t.get(empty), "");
        let mut u = t.sibling();
        let x = u.intern("x");
        let first = u.append(&t);
        assert_eq!(u.get(Texts::shifted(first, b)), "globex");
        let mut v = t.sibling();
        let vx = v.intern("globex");
        let map = v.merge(&t);
        assert_eq!(map[b.index()], vx);
        assert_eq!(v.get(map[a.index()]), "acme");
        assert_eq!(v.get(map[p.index()]), "acme");
        assert_ne!(map[p.index()], map[a.index()]);
        assert_eq!(v.intern("acme"), map[a.index()]);
        assert_eq!(u.get(x), "x");
    }
}
