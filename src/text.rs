//! Text of a dataset kept in one buffer: company keys, names, industries and
//! countries interned (a company's key is stored once however many incidents it
//! has), and ids appended. An incident refers to its texts by [`TextId`], four bytes
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

/// Texts in one buffer; text `i` is `buf[ends[i - 1]..ends[i]]`.
#[derive(Clone, Default)]
pub struct Texts {
    buf: String,
    ends: Vec<usize>,
    /// Indices of the interned texts, by hash; appended texts are not in it.
    table: HashTable<u32>,
    state: foldhash::fast::RandomState,
}

/// The texts in order (the hash table and its seed are left out: they are the
/// same texts, and the seed differs from run to run).
impl std::fmt::Debug for Texts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries((0..self.len()).map(|i| self.at(i))).finish()
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
        let Texts {
            buf,
            ends,
            table,
            state,
        } = self;
        let text = |i: u32| {
            let i = i as usize;
            let start = i.checked_sub(1).and_then(|p| ends.get(p)).copied().unwrap_or(0);
            let end = ends.get(i).copied().unwrap_or(start);
            buf.get(start..end).unwrap_or("")
        };
        if let Some(&i) = table.find(hash, |&i| text(i) == s) {
            return TextId::new(i as usize);
        }
        let i = u32::try_from(ends.len()).unwrap_or(u32::MAX);
        buf.push_str(s);
        ends.push(buf.len());
        let (buf, ends) = (&*buf, &*ends);
        table.insert_unique(hash, i, |&j| {
            let j = j as usize;
            let start = j.checked_sub(1).and_then(|p| ends.get(p)).copied().unwrap_or(0);
            let end = ends.get(j).copied().unwrap_or(start);
            state.hash_one(buf.get(start..end).unwrap_or(""))
        });
        TextId::new(i as usize)
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

    /// For each text of `other`, its id in `self` (interned): a table to translate
    /// the ids of a chunk's own table.
    pub(crate) fn intern_all(&mut self, other: &Texts) -> Vec<TextId> {
        (0..other.len()).map(|i| self.intern(other.at(i))).collect()
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
        let mut u = Texts::default();
        u.intern("x");
        let first = u.append(&t);
        assert_eq!(u.get(Texts::shifted(first, b)), "globex");
        let map = u.intern_all(&t);
        assert_eq!(u.get(map[a.index()]), "acme");
    }
}
