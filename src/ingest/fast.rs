//! The JSON Lines scanner's parts: a [`Block`] of lines checked once (UTF-8,
//! escapes, control characters), a [`Parser`] over one line that reads the forms
//! of the usual record (strings without escapes, small non-negative integers,
//! booleans, nulls, flat arrays) and declines anything else, and the
//! [`KeyGuess`] that checks a foreseen key instead of scanning it.
//! [`super::direct`] puts them together.

use std::borrow::Cow;

use crate::model::{FieldName, Value};

/// A block of JSON Lines checked once for all its lines: checked line by line, the
/// UTF-8 check alone cost ~290 instructions a record (most of them on the unaligned
/// ends of each line), and a string's scan tested every byte three ways.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block<'a> {
    bytes: &'a [u8],
    /// The whole block as text, when it is valid UTF-8.
    text: Option<&'a str>,
    /// No backslash and no control character but line feeds anywhere in the block.
    plain: bool,
}

impl<'a> Block<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Block<'a> {
        // A line feed is the only control character allowed. The test runs over
        // whole pieces without stopping early, so the compiler vectorises it.
        let controls = bytes
            .iter()
            .fold(0u8, |n, &b| n | u8::from(b < 0x20 && b != b'\n'));
        let no_controls = controls == 0;
        Block {
            bytes,
            // simdutf8 checks with SIMD chosen at run time, where `std` goes a
            // word at a time: a fifth of the instructions (12.7M -> 2.8M at 100k
            // records), the same verdict.
            text: simdutf8::basic::from_utf8(bytes).ok(),
            plain: no_controls && memchr::memchr(b'\\', bytes).is_none(),
        }
    }

    /// The line at `start..end` of the block, with what the block's checks tell of it.
    pub(crate) fn line(&self, start: usize, end: usize) -> Line<'a> {
        Line {
            bytes: self.bytes.get(start..end).unwrap_or_default(),
            text: self.text.and_then(|t| t.get(start..end)),
            plain: self.plain,
        }
    }
}

/// One line, with what its [`Block`] told of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    pub(crate) bytes: &'a [u8],
    /// The line as text, when it is known to be valid UTF-8.
    text: Option<&'a str>,
    /// Known to hold no backslash and no control character: each string ends at its
    /// next quote.
    plain: bool,
}

impl<'a> Line<'a> {
    /// A line known for nothing yet: it is checked as it is parsed.
    #[cfg(test)]
    pub(crate) fn new(bytes: &'a [u8]) -> Line<'a> {
        Line {
            bytes,
            text: None,
            plain: false,
        }
    }
}

/// Which key follows which, as the records read so far had them. The records of a
/// file mostly list their keys in one order, some of them optional, so each key is
/// first checked against the (up to two) keys seen after the one before it. A key
/// of a field SCORING.md does not have is always scanned. Only speed depends on
/// the guesses, never the result.
#[derive(Debug, Default)]
pub(crate) struct KeyGuess {
    /// Each field's key, by [`FieldName`], made when first seen.
    keys: [Option<Key>; FIELDS],
    /// After each field (and, last, at the start of a record): the keys seen next,
    /// the latest first.
    next: [[Option<FieldName>; 2]; FIELDS + 1],
}

/// The number of [`FieldName`]s, `Other` included.
const FIELDS: usize = FieldName::COUNT;

impl KeyGuess {
    /// The key that follows `prev` (a field, or `FIELDS` at the start) at the start
    /// of `bytes`, if it is one of the guesses.
    #[inline]
    fn guess(&self, prev: usize, bytes: &[u8]) -> Option<Key> {
        let after = self.next.get(prev)?;
        after
            .iter()
            .flatten()
            .filter_map(|name| *self.keys.get(*name as usize)?)
            .find(|key| key.starts(bytes))
    }

    fn learn(&mut self, prev: usize, name: FieldName) {
        if let Some(key) = self.keys.get_mut(name as usize)
            && key.is_none()
        {
            *key = Key::of(name);
        }
        if let Some(after) = self.next.get_mut(prev)
            && after[0] != Some(name)
        {
            *after = [Some(name), after[0]];
        }
    }
}

/// A field's key as it is written without whitespace, `"name":`, as words to
/// compare with the line's next bytes (a byte-wise compare cost ~70 instructions).
#[derive(Debug, Clone, Copy)]
struct Key {
    name: FieldName,
    len: usize,
    head: u128,
    head_mask: u128,
    tail: u64,
    tail_mask: u64,
}

impl Key {
    /// The key of a field of SCORING.md (none for others, or a longer name).
    fn of(name: FieldName) -> Option<Key> {
        let mut text = [0u8; 24];
        let mut len = 0;
        for &b in [b"\"", name.label()?.as_bytes(), b"\":"].concat().iter() {
            *text.get_mut(len)? = b;
            len += 1;
        }
        let mut mask = [0u8; 24];
        mask.iter_mut().take(len).for_each(|b| *b = 0xff);
        let (head, tail) = text.split_first_chunk::<16>()?;
        let (head_mask, tail_mask) = mask.split_first_chunk::<16>()?;
        Some(Key {
            name,
            len,
            head: u128::from_le_bytes(*head),
            head_mask: u128::from_le_bytes(*head_mask),
            tail: u64::from_le_bytes(*tail.first_chunk::<8>()?),
            tail_mask: u64::from_le_bytes(*tail_mask.first_chunk::<8>()?),
        })
    }

    /// Whether `bytes` start with this key.
    #[inline]
    fn starts(&self, bytes: &[u8]) -> bool {
        // Near the end of the line, the bytes left padded with zeros (which no key
        // holds).
        let mut padded = [0u8; 24];
        let b = match bytes.first_chunk::<24>() {
            Some(b) => b,
            None => {
                padded.iter_mut().zip(bytes).for_each(|(d, s)| *d = *s);
                &padded
            }
        };
        let (Some(head), Some(tail)) = (b.first_chunk::<16>(), b.last_chunk::<8>()) else {
            return false;
        };
        (u128::from_le_bytes(*head) ^ self.head) & self.head_mask == 0
            && (u64::from_le_bytes(*tail) ^ self.tail) & self.tail_mask == 0
    }
}

/// A cursor over one line of JSON (also used by [`super::direct`]).
pub(super) struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// See [`Line::plain`].
    plain: bool,
}

impl<'a> Parser<'a> {
    /// A cursor at the start of `line`, which must be valid UTF-8 (else `None`).
    pub(super) fn new(line: Line<'a>) -> Option<Parser<'a>> {
        let s = match line.text {
            Some(s) => s,
            None => std::str::from_utf8(line.bytes).ok()?,
        };
        Some(Parser {
            s,
            b: s.as_bytes(),
            i: 0,
            plain: line.plain,
        })
    }

    /// Whether the whole line has been read.
    fn at_end(&self) -> bool {
        self.i == self.b.len()
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// JSON whitespace: space, tab, line feed, carriage return.
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A string without escapes or control characters, borrowed from the line.
    pub(super) fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let rest = self.b.get(start..)?;
        let len = if self.plain {
            quote(rest)?
        } else {
            string_end(rest)?
        };
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.i = start + len + 1;
        // Both ends are ASCII bytes of valid UTF-8, so they are char boundaries.
        self.s.get(start..start + len)
    }

    // `literal` and `integer` only adapt `word` and `uint` to a `Value`, and are
    // kept apart from `scalar` on purpose: written inline there, the compiler
    // stopped inlining `uint` into the direct path (+2.8% instructions).
    fn literal(&mut self, word: &[u8], v: Value<'a>) -> Option<Value<'a>> {
        self.word(word).map(|()| v)
    }

    /// The bytes `word` next (`true`, `false`, `null`).
    #[inline]
    pub(super) fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i.checked_add(word.len())?;
        (self.b.get(self.i..end)? == word).then(|| {
            self.i = end;
        })
    }

    fn integer(&mut self) -> Option<Value<'a>> {
        self.uint().map(Value::UInt)
    }

    /// A non-negative integer of at most 18 digits (always a u64, as serde_json
    /// reads it); anything else is left to serde_json.
    #[inline]
    pub(super) fn uint(&mut self) -> Option<u64> {
        let start = self.i;
        let rest = self.b.get(start..)?;
        // Digits read as they are found (most numbers here have one to three).
        let (mut n, mut len) = (0u64, 0);
        while let Some(d) = rest
            .get(len)
            .map(|c| c.wrapping_sub(b'0'))
            .filter(|d| *d <= 9)
        {
            if len == 18 {
                return None;
            }
            n = n * 10 + u64::from(d);
            len += 1;
        }
        if len == 0 || (len > 1 && rest.first() == Some(&b'0')) {
            return None;
        }
        // A fraction or exponent makes it a float: serde_json's to read.
        if let Some(b'.' | b'e' | b'E') = rest.get(len) {
            return None;
        }
        self.i = start + len;
        Some(n)
    }

    #[inline]
    pub(super) fn scalar(&mut self) -> Option<Value<'a>> {
        match self.peek()? {
            b'"' => self.string().map(|s| Value::Str(Cow::Borrowed(s))),
            b't' => self.literal(b"true", Value::Bool(true)),
            b'f' => self.literal(b"false", Value::Bool(false)),
            b'n' => self.literal(b"null", Value::Null),
            b'0'..=b'9' => self.integer(),
            _ => None,
        }
    }

    /// A flat object that makes up the whole line (whitespace aside), each key
    /// told by its [`FieldName`]: `field` is called with it, the cursor at its
    /// value, and must read the value. Arrays nest one level, so `max_depth`
    /// must allow 2 for records with one. Where `guess` foresaw a key, it is
    /// only checked (quote, name, quote, colon), not scanned and
    /// looked up; `guess` then learns this record's keys.
    #[inline]
    pub(super) fn object_guessing(
        &mut self,
        max_depth: usize,
        guess: &mut KeyGuess,
        field: impl FnMut(&mut Self, FieldName) -> Option<()>,
    ) -> Option<()> {
        // The state passed from key to key is the field before (`FIELDS` at first).
        let key = |p: &mut Self, prev: usize| {
            let name = match guess.guess(prev, p.b.get(p.i..).unwrap_or_default()) {
                Some(key) => {
                    p.i += key.len;
                    key.name
                }
                None => {
                    let name = FieldName::from_name(p.key()?);
                    guess.learn(prev, name);
                    name
                }
            };
            Some((name, name as usize))
        };
        self.members(max_depth, FIELDS, key, field)
    }

    /// A key scanned in full, and the colon after it.
    #[inline]
    fn key(&mut self) -> Option<&'a str> {
        let key = self.string()?;
        self.ws();
        self.eat(b':')?;
        Some(key)
    }

    /// The grammar of a flat object that makes up the whole line: `key` reads a key
    /// and its colon (given the state the key before left, `start` at first), and
    /// `field` the value after it. (The state is passed by value: kept in the key
    /// reader instead, it cost the read stage ~5%.)
    #[inline]
    fn members<K, S>(
        &mut self,
        max_depth: usize,
        start: S,
        mut key: impl FnMut(&mut Self, S) -> Option<(K, S)>,
        mut field: impl FnMut(&mut Self, K) -> Option<()>,
    ) -> Option<()> {
        self.ws();
        self.eat(b'{')?;
        if max_depth < 1 {
            return None;
        }
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
        } else {
            let mut state = start;
            loop {
                self.ws();
                let (k, next) = key(self, state)?;
                state = next;
                self.ws();
                field(self, k)?;
                self.ws();
                match self.next()? {
                    b',' => continue,
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        self.ws();
        self.at_end().then_some(())
    }

    /// An array of scalars (one level deeper than its record, so `max_depth` must
    /// allow 2): `item` is called with the cursor at each, and must read it.
    #[inline]
    pub(super) fn array(
        &mut self,
        max_depth: usize,
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        if max_depth < 2 {
            return None;
        }
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            item(self)?;
            self.ws();
            match self.next()? {
                b',' => continue,
                b']' => return Some(()),
                _ => return None,
            }
        }
    }
}

/// The position of the first `"` in `bytes`: in a plain line (see [`Line::plain`])
/// it is where a string ends.
fn quote(bytes: &[u8]) -> Option<usize> {
    first_where(
        bytes,
        |x| zero_bytes(x ^ (ONES * u64::from(b'"'))),
        |c| c == b'"',
    )
}

/// The position of the first `"`, `\\` or control character of `bytes`: strings
/// were scanned byte by byte once, which was half the time of reading a record.
pub(crate) fn string_end(bytes: &[u8]) -> Option<usize> {
    first_where(
        bytes,
        |x| {
            // Bytes below 0x20: x - 0x20 borrows into the high bit where x < 0x20
            // (bytes of 0x80 and above have their own high bit masked out by !x).
            zero_bytes(x ^ (ONES * u64::from(b'"')))
                | zero_bytes(x ^ (ONES * u64::from(b'\\')))
                | (x.wrapping_sub(ONES * 0x20) & !x & HIGH)
        },
        |c| c == b'"' || c == b'\\' || c < 0x20,
    )
}

/// The position of the first byte of `bytes` that `byte` holds for, eight bytes at
/// a time: `word` marks such bytes of a word by their high bit, the lowest mark
/// exact (later ones may be false).
#[inline]
fn first_where(
    bytes: &[u8],
    word: impl Fn(u64) -> u64,
    byte: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for w in &mut words {
        let found = word(u64::from_le_bytes(<[u8; 8]>::try_from(w).ok()?));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&c| byte(c))
        .map(|p| at + p)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` that is zero; the lowest one set is exact (a
/// borrow can only mark bytes above a true zero byte).
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGH
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// A key is recognised whole only as `"name":` of a field of SCORING.md, at
    /// any distance from the end of the line.
    #[test]
    fn keys_are_recognised_only_as_written_whole() {
        let names = [
            FieldName::Id,
            FieldName::Company,
            FieldName::CompanyName,
            FieldName::DataTypes,
            FieldName::VulnerableSubjects,
        ];
        for name in names {
            let key = Key::of(name).unwrap();
            let label = name.label().unwrap();
            let whole = format!("\"{label}\":");
            assert_eq!(key.len, whole.len());
            for tail in ["", "1", "\"x\",\"company\":\"abcdefghijklmnopqrstuvwxyz\"}"] {
                assert!(
                    key.starts(format!("{whole}{tail}").as_bytes()),
                    "{whole}{tail}"
                );
                for other in [
                    format!("\"{label}\" :{tail}"),
                    format!("\"{label}x\":{tail}"),
                    format!("\"{label}\"{tail}"),
                    format!(" \"{label}\":{tail}"),
                    format!("\"{}\":{tail}", &label[1..]),
                ] {
                    assert!(!key.starts(other.as_bytes()), "{other}");
                }
            }
            assert!(!key.starts(&whole.as_bytes()[..whole.len() - 1]));
        }
        assert!(Key::of(FieldName::Other).is_none());
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

        /// The word-at-a-time scan finds what a byte-by-byte one finds, at any
        /// length and alignment, with every byte value (UTF-8 or not) around.
        #[test]
        fn string_end_is_the_first_quote_backslash_or_control(
            bytes in proptest::collection::vec(
                prop_oneof![
                    4 => 0x20u8..0x7f,
                    1 => Just(b'"'),
                    1 => Just(b'\\'),
                    1 => 0u8..0x20,
                    1 => 0x80u8..=0xff,
                ],
                0..40,
            ),
            skip in 0usize..8,
        ) {
            let bytes = bytes.get(skip.min(bytes.len())..).unwrap_or_default();
            let naive = bytes.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            prop_assert_eq!(string_end(bytes), naive);
        }
    }
}
