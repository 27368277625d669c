//! Texts of a dataset kept in one buffer per table: company keys, industries and
//! countries interned (a company's key is stored once however many incidents it has,
//! and two incidents have the same company exactly when they have the same
//! [`TextId`]); descriptive names, and ids in a table of their own, appended. An
//! incident refers to its texts by [`TextId`], four bytes instead of a `String` and
//! an allocation each.

use std::hash::BuildHasher;
use std::num::NonZeroU32;

use hashbrown::HashTable;

/// A text of a [`Texts`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextId(NonZeroU32);

impl TextId {
    fn new(index: usize) -> TextId {
        // Index + 1 is never zero. It saturates at u32::MAX: a table of 2^32 texts
        // would mean hundreds of GB of incidents, beyond what this tool is built for
        // (and beyond the memory of any machine it runs on).
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
        self.position() as usize
    }

    /// [`TextId::index`] as a table entry keeps it.
    fn position(self) -> u32 {
        self.0.get() - 1
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

/// The first [`Short::LEN`] bytes of a text, zero-padded, and its length
/// (saturated), as three words.
///
/// Built in registers from a few overlapping loads of the text, and compared word
/// by word: built byte by byte into an array and then read back as wider words
/// (the compare, the copy into an entry), each build stalled on store forwarding,
/// about half the time of interning a company key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Four-byte alignment keeps an `Entry` at 32 bytes (hash, index, these 20).
#[repr(C, packed(4))]
struct Short {
    /// Bytes 0..8.
    head: u64,
    /// Bytes 8..16.
    mid: u64,
    /// Bytes 16..19, and the length in the top byte.
    tail: u32,
}

impl Short {
    const LEN: usize = 19;

    fn of(s: &str) -> Short {
        let b = s.as_bytes();
        let n = b.len();
        Short {
            head: word(b, 0, 8),
            mid: word(b, 8, 8),
            tail: word(b, 16, 3) as u32 | u32::from(u8::try_from(n).unwrap_or(u8::MAX)) << 24,
        }
    }

    /// The length, saturated at 255.
    fn len(self) -> usize {
        (self.tail >> 24) as usize
    }
}

/// Bytes `at..at + width` of `b` (`width` at most 8), those past its end as zeros,
/// as a little-endian number: read with loads that end at the text's last byte
/// where it ends inside the span, never byte by byte.
#[inline]
fn word(b: &[u8], at: usize, width: usize) -> u64 {
    let end = b.len().min(at + width);
    let k = end.saturating_sub(at); // bytes of the span inside the text
    let le8 = |from: usize| {
        b.get(from..)
            .and_then(|r| r.first_chunk::<8>())
            .map_or(0, |c| u64::from_le_bytes(*c))
    };
    let le4 = |from: usize| {
        b.get(from..)
            .and_then(|r| r.first_chunk::<4>())
            .map_or(0, |c| u64::from(u32::from_le_bytes(*c)))
    };
    let byte = |i: usize| b.get(i).map_or(0, |&c| u64::from(c));
    match k {
        0 => 0,
        8 => le8(at),
        // The last eight bytes end at the text's end and hold the span's k bytes
        // at their top: shifted down into place.
        _ if end >= 8 && k >= 4 => le8(end - 8) >> (8 * (8 - k)),
        // Four to seven bytes from a shorter text: two overlapping four-byte reads.
        4..=7 => le4(at) | le4(end - 4) << (8 * (k - 4)),
        _ if end >= 4 => le4(end - 4) >> (8 * (4 - k)),
        // One to three bytes of a text shorter than four: first, middle, last.
        _ => byte(at) | byte(at + k / 2) << (8 * (k / 2)) | byte(end - 1) << (8 * (k - 1)),
    }
}

/// Shards of a dataset's interned-text table: a shard is small enough to stay in
/// cache while [`Texts::merge_all`] looks up everything that falls in it. (A
/// chunk's own table, small and short-lived, has one.)
const SHARDS: usize = 64;

/// Texts in one buffer; text `i` is `buf[end(i - 1)..end(i)]`.
#[derive(Clone)]
pub struct Texts {
    buf: String,
    /// Each text's end in `buf`, less the multiples of 2^32 that `wraps`
    /// accounts for: 4 bytes a text rather than 8 (ids and company names are a
    /// text an incident, so this is 4 bytes an incident).
    ends: Vec<u32>,
    /// For each multiple of 2^32 bytes that `buf` has reached, the first text
    /// whose end reached it, in order (a text may appear more than once). Empty
    /// below 4 GiB of text in one table, which is always, in practice.
    wraps: Vec<usize>,
    /// The interned texts, by shard; appended texts are not in them.
    shards: Vec<HashTable<Entry>>,
    /// Texts appended to be interned when merged ([`Texts::defer`]), with the
    /// hash and short form their lookup will need.
    deferred: Vec<Entry>,
    state: foldhash::fast::RandomState,
}

impl Default for Texts {
    fn default() -> Self {
        Texts::empty(SHARDS, foldhash::fast::RandomState::default())
    }
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
    /// The shard of a hash: bits 32.., independent of the low bits that place an
    /// entry within a shard's table and of the top bits hashbrown keeps as its tag.
    fn shard_of(&self, hash: u64) -> usize {
        ((hash >> 32) as usize) % self.shards.len().max(1)
    }

    /// The text `id` stands for ("" for an id of another table that is out of range).
    pub fn get(&self, id: TextId) -> &str {
        self.at(id.index())
    }

    /// The text at position `i` of the table ("" out of range).
    pub(crate) fn at(&self, i: usize) -> &str {
        self.slice(self.span_at(i))
    }

    /// Where text `i` lies in the buffer (an empty span out of range).
    pub(crate) fn span_at(&self, i: usize) -> std::ops::Range<usize> {
        let start = match i.checked_sub(1) {
            Some(prev) => self.end(prev).unwrap_or(0),
            None => 0,
        };
        let end = self.end(i).unwrap_or(start);
        start..end
    }

    /// Where text `i` ends in the buffer.
    #[inline]
    fn end(&self, i: usize) -> Option<usize> {
        let low = *self.ends.get(i)? as usize;
        if self.wraps.is_empty() {
            return Some(low);
        }
        let wrapped = self.wraps.partition_point(|&w| w <= i) as u64;
        usize::try_from((wrapped << 32) + low as u64).ok()
    }

    /// Records that the next text ends at `end` of the buffer.
    #[inline]
    fn push_end(&mut self, end: usize) {
        let end = end as u64;
        // Every multiple of 2^32 passed since the last text is one more wrap.
        for _ in self.wraps.len() as u64..end >> 32 {
            self.wraps.push(self.ends.len());
        }
        self.ends.push((end & u64::from(u32::MAX)) as u32);
    }

    /// Where the text `id` stands for lies in the table's buffer: [`Texts::get`] in
    /// two steps, for callers that look up many texts at once and want each step's
    /// memory reads to overlap rather than wait on one another.
    pub(crate) fn span(&self, id: TextId) -> std::ops::Range<usize> {
        self.span_at(id.index())
    }

    /// The text at `span` of the buffer ("" out of range).
    pub(crate) fn slice(&self, span: std::ops::Range<usize>) -> &str {
        self.buf.get(span).unwrap_or("")
    }

    /// Every text, in order (for tests comparing two tables).
    #[cfg(test)]
    pub(crate) fn all(&self) -> Vec<&str> {
        (0..self.len()).map(|i| self.at(i)).collect()
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Room for `texts` more texts of `bytes` bytes in all, of which up to
    /// `interned` interned (a chunk's tables, sized once from its line count rather
    /// than doubled a dozen times as it is read).
    pub(crate) fn reserve(&mut self, texts: usize, bytes: usize, interned: usize) {
        self.ends.reserve(texts);
        self.buf.reserve(bytes);
        if interned > 0
            && let [table] = self.shards.as_mut_slice()
        {
            table.reserve(interned, |e| e.hash);
        }
    }

    /// Appends `s` as a new text, even when an equal one exists (ids: each is
    /// checked for repeats later, under the rules).
    #[inline]
    pub fn push(&mut self, s: &str) -> TextId {
        self.buf.push_str(s);
        self.push_end(self.buf.len());
        TextId::new(self.ends.len() - 1)
    }

    /// Appends `s`, to be interned by [`Texts::merge_all`] into the table this one
    /// merges into, where equal texts meet. A chunk's company keys are deferred:
    /// they rarely repeat within a chunk, and interning each in the chunk's own
    /// table first (a lookup that mostly missed, then an insert all over a
    /// quarter-megabyte table) cost more than the merge's lookup of the repeats.
    pub(crate) fn defer(&mut self, s: &str) -> TextId {
        let hash = self.state.hash_one(s);
        let id = self.push(s);
        self.deferred.push(Entry {
            hash,
            index: id.position(),
            short: Short::of(s),
        });
        id
    }

    /// Room for `n` more deferred texts (their bytes come under
    /// [`Texts::reserve`]).
    pub(crate) fn reserve_deferred(&mut self, n: usize) {
        self.deferred.reserve(n);
    }

    /// The id of `s`, added when new.
    pub fn intern(&mut self, s: &str) -> TextId {
        let hash = self.state.hash_one(s);
        self.intern_hashed(hash, s)
    }

    /// As [`Texts::intern`] with the hash of `s` under this table's hasher given.
    fn intern_hashed(&mut self, hash: u64, s: &str) -> TextId {
        let short = Short::of(s);
        if let Some(id) = self.find_short(hash, short, || s) {
            return id;
        }
        let id = self.push(s);
        let index = id.position();
        let shard = self.shard_of(hash);
        if let Some(table) = self.shards.get_mut(shard) {
            table.insert_unique(hash, Entry { hash, index, short }, |e| e.hash);
        }
        id
    }

    /// The id of the interned text whose hash and [`Short`] are given; `s` gives
    /// the text itself, read only when the short form matches and is not the whole
    /// text.
    fn find_short<'s>(&self, hash: u64, short: Short, s: impl Fn() -> &'s str) -> Option<TextId> {
        let same = |e: &Entry| {
            e.hash == hash
                && e.short == short
                && (short.len() <= Short::LEN || self.at(e.index as usize) == s())
        };
        let e = self.shards.get(self.shard_of(hash))?.find(hash, same)?;
        Some(TextId::new(e.index as usize))
    }

    /// A new empty table hashing as this one does, so that [`Texts::merge`] can
    /// reuse its hashes.
    pub(crate) fn sibling(&self) -> Texts {
        Texts::empty(1, self.state.clone())
    }

    /// An empty table of `shards` shards, hashing by `state`.
    fn empty(shards: usize, state: foldhash::fast::RandomState) -> Texts {
        Texts {
            buf: String::new(),
            ends: Vec::new(),
            wraps: Vec::new(),
            shards: (0..shards).map(|_| HashTable::new()).collect(),
            deferred: Vec::new(),
            state,
        }
    }

    /// Adds every text of each of `others` (each a [`Texts::sibling`]), in order, as
    /// if one after the other: interned and deferred ones are interned here,
    /// reusing their hashes; appended ones are appended. Returns, for each text of each of
    /// `others`, its id here.
    ///
    /// The texts this table already holds are looked up first, one shard at a time
    /// (so each shard's table stays in cache); then, in order, the rest are
    /// appended or interned — the same ids as a merge one text at a time. This runs
    /// on one thread while the next block is parsed on the others, which keep the
    /// cores busy; looking up in parallel too would spend more CPU on contention
    /// than it gives back.
    pub(crate) fn merge_all(&mut self, others: &[&Texts]) -> Vec<Vec<TextId>> {
        /// What becomes of one text of `others`.
        #[derive(Clone, Copy)]
        enum Fate {
            /// Appended in its table: appended here.
            Push,
            /// Interned there with this hash, and not (yet) found here.
            Intern(u64),
            /// Found here.
            Known(TextId),
        }
        // One walk over each table's entries marks its interned texts and buckets
        // them by shard with their hash and short form, as the entry keeps them:
        // the lookups below, in shard order, then need not read a text unless it
        // is longer than the short form. (The lookups of a shard come in the
        // table's order rather than the texts'; they only read, so the order
        // changes nothing.)
        let mut fates: Vec<Vec<Fate>> = others.iter().map(|o| vec![Fate::Push; o.len()]).collect();
        let mut by_shard: Vec<Vec<(usize, Entry)>> = vec![Vec::new(); self.shards.len()];
        for ((o, other), fate) in others.iter().enumerate().zip(&mut fates) {
            for e in other.shards.iter().flatten().chain(&other.deferred) {
                if let Some(slot) = fate.get_mut(e.index as usize) {
                    *slot = Fate::Intern(e.hash);
                }
                if let Some(bucket) = by_shard.get_mut(self.shard_of(e.hash)) {
                    bucket.push((o, *e));
                }
            }
        }
        for &(o, e) in by_shard.iter().flatten() {
            let i = e.index as usize;
            let text = || others.get(o).map_or("", |other| other.at(i));
            if let Some(id) = self.find_short(e.hash, e.short, text)
                && let Some(slot) = fates.get_mut(o).and_then(|f| f.get_mut(i))
            {
                *slot = Fate::Known(id);
            }
        }
        fates
            .into_iter()
            .zip(others)
            .map(|(fate, other)| {
                fate.into_iter()
                    .enumerate()
                    .map(|(i, f)| match f {
                        Fate::Known(id) => id,
                        Fate::Intern(h) => self.intern_hashed(h, other.at(i)),
                        Fate::Push => self.push(other.at(i)),
                    })
                    .collect()
            })
            .collect()
    }

    /// As [`Texts::merge_all`] for one table.
    #[cfg(test)]
    pub(crate) fn merge(&mut self, other: &Texts) -> Vec<TextId> {
        self.merge_all(&[other]).pop().unwrap_or_default()
    }

    /// Appends every text of `other` as it is (no interning); returns the id the
    /// first of them now has. Ids of `other` map to `first + index`.
    pub(crate) fn append(&mut self, other: &Texts) -> usize {
        let first = self.ends.len();
        let base = self.buf.len();
        self.buf.push_str(&other.buf);
        // Below 4 GiB in all, no end wraps: the ends are shifted as they are.
        if let (Ok(_), Ok(shift)) = (u32::try_from(self.buf.len()), u32::try_from(base))
            && other.wraps.is_empty()
        {
            self.ends.extend(other.ends.iter().map(|e| e + shift));
        } else {
            for i in 0..other.len() {
                self.push_end(base + other.end(i).unwrap_or(0));
            }
        }
        first
    }

    /// Room for `times` as many appended texts as `sample` holds, and their bytes:
    /// a table that grows by appends (ids, company names) would otherwise be
    /// copied to a new place each time it doubles.
    pub(crate) fn reserve_like(&mut self, sample: &[&Texts], times: f64) {
        let (texts, bytes) = sample
            .iter()
            .fold((0, 0), |(n, b), t| (n + t.ends.len(), b + t.buf.len()));
        let scale = |n: usize| (n as f64 * times) as usize;
        self.ends.reserve(scale(texts));
        self.buf.reserve(scale(bytes));
    }

    /// The id at `first + index` (see [`Texts::append`]).
    pub(crate) fn shifted(first: usize, id: TextId) -> TextId {
        TextId::new(first + id.index())
    }
}

/// Reads the first byte of each text and throws it away. Done for many texts in
/// one tight loop, the reads from all over memory overlap, rather than each stalling
/// the work that uses the text later (which then finds it in cache).
pub(crate) fn warm<'s>(texts: impl IntoIterator<Item = &'s str>) {
    let seen = texts.into_iter().fold(0u8, |acc, t| {
        acc ^ t.as_bytes().first().copied().unwrap_or(0)
    });
    std::hint::black_box(seen);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]
    use super::*;

    /// The short form built from overlapping loads is the text's first 19 bytes
    /// zero-padded, with its length, at every length and byte value.
    #[test]
    fn short_forms_are_the_padded_first_bytes_and_length() {
        let naive = |s: &str| {
            let mut p = [0u8; 24];
            for (d, c) in p.iter_mut().zip(s.bytes().take(Short::LEN)) {
                *d = c;
            }
            let w = |i: usize| u64::from_le_bytes(p[i..i + 8].try_into().unwrap());
            let len = u32::from(u8::try_from(s.len()).unwrap_or(u8::MAX));
            (w(0), w(8), w(16) as u32 | len << 24)
        };
        let pool = "abcdefghijklmnopqrstuvwxyz0123456789-_ é✓\u{7f}";
        let chars: Vec<char> = pool.chars().collect();
        for len in 0..300 {
            for shift in 0..3 {
                let s: String = (0..len)
                    .map(|i| chars[(i * 7 + shift * 5) % chars.len()])
                    .collect();
                let short = Short::of(&s);
                let (head, mid, tail) = (short.head, short.mid, short.tail);
                assert_eq!((head, mid, tail), naive(&s), "{s:?}");
                assert_eq!(short.len(), s.len().min(255));
            }
        }
    }

    /// Merging finds texts by their hash and first 19 bytes, reading the text only
    /// when it is longer: long texts alike in length and first bytes stay apart,
    /// equal ones meet, and short ones never need their text.
    #[test]
    fn merged_long_texts_are_told_apart_by_their_tails() {
        let long = |tail: &str| format!("{}{tail}", "k".repeat(25));
        let mut global = Texts::default();
        let a = global.intern(&long("a"));
        let short = global.intern("co1");
        let mut chunk = global.sibling();
        let texts = [
            long("b"),
            long("a"),
            "co1".to_string(),
            "co2".to_string(),
            long("b"),
        ];
        let local: Vec<TextId> = texts.iter().map(|t| chunk.intern(t)).collect();
        let mut other = global.sibling();
        let o_a = other.intern(&long("a"));
        let map = global.merge_all(&[&chunk, &other]);
        let id = |i: usize| map[0][local[i].index()];
        assert_eq!(id(1), a);
        assert_eq!(id(2), short);
        assert_eq!(id(0), id(4));
        assert_ne!(id(0), a);
        assert_eq!(global.get(id(0)), long("b"));
        assert_eq!(global.get(id(3)), "co2");
        assert_eq!(map[1][o_a.index()], a);
        assert_eq!(global.len(), 4);
    }

    /// Deferred texts (a chunk's company keys) merge as if each had been interned
    /// one at a time, in order: repeats within a chunk and across chunks meet, a
    /// deferred text meets an interned one of the same bytes (a company keyed as
    /// an industry is named), long texts alike in their first bytes stay apart,
    /// and the table's new ids come in the order of first appearance.
    /// Ends kept in 4 bytes come back whole past 4 GiB: a text ending past one
    /// multiple of 2^32, a text passing two at once, and one ending exactly on
    /// one (the ends alone, without 8 GiB of text behind them).
    #[test]
    fn ends_past_four_gib_come_back_whole() {
        let gib4 = 1usize << 32;
        let ends = [5, gib4 - 1, gib4 + 7, 3 * gib4 + 1, 4 * gib4, 4 * gib4 + 2];
        let mut t = Texts::default();
        for &e in &ends {
            t.push_end(e);
        }
        for (i, &e) in ends.iter().enumerate() {
            assert_eq!(t.end(i), Some(e), "text {i}");
        }
        assert_eq!(t.end(ends.len()), None);
        // Appended after another table, they are shifted whole too (the table's
        // bytes are not there: only the ends' arithmetic is under test).
        let mut u = Texts::default();
        u.push("abc");
        assert_eq!(u.append(&t), 1);
        assert_eq!(u.end(0), Some(3));
        for (i, &e) in ends.iter().enumerate() {
            assert_eq!(u.end(i + 1), Some(e + 3), "text {i}");
        }
    }

    #[test]
    fn deferred_texts_merge_as_interned_ones() {
        let long = |tail: &str| format!("{}{tail}", "k".repeat(25));
        let chunks: [&[(&str, bool)]; 2] = [
            &[
                ("co1", true),
                ("retail", false),
                ("co2", true),
                ("co1", true),
                ("retail", true),
                (&long("a"), true),
                (&long("b"), true),
                ("", true),
            ],
            &[
                ("co2", true),
                (&long("a"), true),
                ("co3", true),
                ("co1", false),
            ],
        ];
        let mut merged = Texts::default();
        merged.intern("known");
        let mut one_by_one = merged.clone();
        let mut tables = Vec::new();
        let mut locals = Vec::new();
        for chunk in chunks {
            let mut t = merged.sibling();
            let ids: Vec<TextId> = chunk
                .iter()
                .map(|&(s, deferred)| if deferred { t.defer(s) } else { t.intern(s) })
                .collect();
            tables.push(t);
            locals.push(ids);
        }
        let refs: Vec<&Texts> = tables.iter().collect();
        let map = merged.merge_all(&refs);
        for (c, chunk) in chunks.iter().enumerate() {
            for (k, &(s, _)) in chunk.iter().enumerate() {
                let id = map[c][locals[c][k].index()];
                assert_eq!(id, one_by_one.intern(s), "{s}");
                assert_eq!(merged.get(id), s);
            }
        }
        assert_eq!(merged.all(), one_by_one.all());
        assert_eq!(merged.len(), 8);
    }

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

    #[test]
    fn merging_several_at_once_gives_the_ids_of_merging_one_by_one() {
        let base = Texts::default();
        let mut a = base.sibling();
        a.intern("x");
        a.push("name");
        a.intern("y");
        a.intern("a key longer than nineteen bytes");
        let mut b = base.sibling();
        b.intern("y");
        b.intern("z");
        b.push("x");
        b.intern("x");
        b.intern("a key longer than nineteen bytes");
        let (mut all, mut one) = (base.sibling(), base.sibling());
        all.intern("y");
        one.intern("y");
        let at_once = all.merge_all(&[&a, &b]);
        let one_by_one = vec![one.merge(&a), one.merge(&b)];
        assert_eq!(at_once, one_by_one);
        assert_eq!(format!("{all:?}"), format!("{one:?}"));
        assert_eq!(all.intern("z"), at_once[1][1]);
        assert_eq!(all.get(at_once[1][3]), "x");
        assert_eq!(at_once[1][3], at_once[0][0]);
        assert_eq!(at_once[1][4], at_once[0][3]);
    }
}
