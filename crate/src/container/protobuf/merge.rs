//! What Python's `protobuf` (upb) makes of a message whose fields repeat — the rules an
//! attacker uses to show one value to a scanner and another to the loader:
//!
//! - a non-repeated scalar or string field given twice: the **last** value wins;
//! - a non-repeated embedded message given twice: the occurrences are **merged**, i.e.
//!   parsed as if their bodies were concatenated (so, recursively, the same rules);
//! - a repeated field: every occurrence is an element, in order;
//! - a member of a `oneof`: a field of another member clears it, so only the
//!   occurrences after the last other member count (merged among themselves);
//! - a field with an unexpected wire type, or an unknown field: skipped (kept as an
//!   unknown field, invisible to the loader).
//!
//! [`Message`] is that view. Readers also get the values Python does *not* see
//! (`shadowed`): a scanner reads them too and reports that they are there.
//! The expectations are checked against the real library by
//! `fixtures/parsers/json_pb_cases.py` (`crate/tests/parsers_json_pb.rs`).

use super::wire::{Field, PbError, Reader, Value};
use crate::messages::en;
use crate::msg;

/// A message as Python sees it: the bodies merged into it, in order.
#[derive(Debug, Clone, Default)]
pub struct Message<'a> {
    chunks: Vec<&'a [u8]>,
}

/// A singular field's value and the earlier values it overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Last<T> {
    pub value: Option<T>,
    /// Earlier occurrences, which Python parses and discards.
    pub shadowed: Vec<T>,
}

impl<'a> Message<'a> {
    pub fn new(body: &'a [u8]) -> Self {
        Message { chunks: vec![body] }
    }

    /// Every field of every merged body, in order, read lazily.
    pub fn fields(&self) -> Fields<'a, '_> {
        Fields { chunks: &self.chunks, reader: None }
    }

    /// A singular `string`/`bytes` field: the last length-delimited occurrence wins.
    pub fn last_bytes(&self, number: u64) -> Result<Last<&'a [u8]>, PbError> {
        let mut out = Last::default();
        for f in self.fields() {
            let f = f?;
            if let (true, Value::Bytes(b)) = (f.number == number, f.value) {
                if let Some(prev) = out.value.replace(b) {
                    out.shadowed.push(prev);
                }
            }
        }
        Ok(out)
    }

    /// A singular varint field (`int32`, `int64`, `bool`, enums): the last one wins.
    pub fn last_varint(&self, number: u64) -> Result<Option<u64>, PbError> {
        let mut last = None;
        for f in self.fields() {
            if let Field { number: n, value: Value::Varint(v) } = f? {
                if n == number {
                    last = Some(v);
                }
            }
        }
        Ok(last)
    }

    /// The bodies of every length-delimited occurrence of `number`, at most `max`.
    fn bodies(&self, number: u64, max: usize) -> Result<Vec<&'a [u8]>, PbError> {
        let mut out = Vec::new();
        for f in self.fields() {
            if let Field { number: n, value: Value::Bytes(b) } = f? {
                if n == number {
                    if out.len() >= max {
                        return Err(PbError::new(msg!(en::PB_OCCURRENCES, max = max, number = number)));
                    }
                    out.push(b);
                }
            }
        }
        Ok(out)
    }

    /// A singular embedded message: every occurrence merged into one.
    pub fn message(&self, number: u64, max: usize) -> Result<Option<Message<'a>>, PbError> {
        let chunks = self.bodies(number, max)?;
        Ok((!chunks.is_empty()).then_some(Message { chunks }))
    }

    /// A repeated embedded message: one element per occurrence, at most `max`.
    pub fn repeated(&self, number: u64, max: usize) -> Result<Vec<Message<'a>>, PbError> {
        Ok(self.bodies(number, max)?.into_iter().map(Message::new).collect())
    }

    /// A message member `number` of a `oneof` whose members are `members`: the merge
    /// of its occurrences after the last occurrence of another member, or `None` when
    /// another member is set last. `cleared` gets the occurrences Python dropped.
    pub fn oneof_message(
        &self,
        number: u64,
        members: &[u64],
        cleared: &mut Vec<&'a [u8]>,
    ) -> Result<Option<Message<'a>>, PbError> {
        let mut current: Vec<&[u8]> = Vec::new();
        for f in self.fields() {
            // A member read with another wire type is an unknown field: it changes nothing.
            let Field { number: n, value: Value::Bytes(b) } = f? else { continue };
            if n == number {
                current.push(b);
            } else if members.contains(&n) {
                cleared.append(&mut current);
            }
        }
        Ok((!current.is_empty()).then_some(Message { chunks: current }))
    }
}

/// Iterator over the fields of a [`Message`].
pub struct Fields<'a, 'm> {
    chunks: &'m [&'a [u8]],
    reader: Option<Reader<'a>>,
}

impl<'a> Iterator for Fields<'a, '_> {
    type Item = Result<Field<'a>, PbError>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(r) = &mut self.reader {
                match r.field() {
                    Ok(Some(f)) => return Some(Ok(f)),
                    Ok(None) => self.reader = None,
                    Err(e) => {
                        self.chunks = &[];
                        self.reader = None;
                        return Some(Err(e));
                    }
                }
            }
            let (first, rest) = self.chunks.split_first()?;
            self.chunks = rest;
            self.reader = Some(Reader::new(first));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::protobuf::wire::fields;

    fn ld(num: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![(num << 3) | 2, data.len() as u8];
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn last_string_wins_and_earlier_are_shadowed() {
        let m = [ld(5, b"first"), vec![0x28, 0x01], ld(5, b"second")].concat(); // 5 as varint: unknown
        let last = Message::new(&m).last_bytes(5).unwrap();
        assert_eq!(last.value, Some(&b"second"[..]));
        assert_eq!(last.shadowed, [&b"first"[..]]);
    }

    #[test]
    fn singular_messages_merge_repeated_ones_do_not() {
        let m = [ld(4, &[ld(1, b"id"), ld(3, b"meta1")].concat()), ld(4, &ld(3, b"meta2"))].concat();
        let user = Message::new(&m).message(4, 10).unwrap().unwrap();
        assert_eq!(user.last_bytes(1).unwrap().value, Some(&b"id"[..]), "merged: the first body's identifier stays");
        assert_eq!(user.last_bytes(3).unwrap().value, Some(&b"meta2"[..]));
        assert_eq!(Message::new(&m).repeated(4, 10).unwrap().len(), 2);
    }

    #[test]
    fn oneof_members_clear_each_other() {
        let m = [ld(4, &ld(3, b"a")), ld(6, b""), ld(4, &ld(3, b"b")), ld(4, &ld(1, b"c"))].concat();
        let mut cleared = Vec::new();
        let u = Message::new(&m).oneof_message(4, &[4, 6], &mut cleared).unwrap().unwrap();
        assert_eq!(u.last_bytes(3).unwrap().value, Some(&b"b"[..]));
        assert_eq!(u.last_bytes(1).unwrap().value, Some(&b"c"[..]));
        assert_eq!(cleared, [ld(3, b"a").as_slice()]);
        let m2 = [ld(4, &ld(3, b"a")), ld(6, b"")].concat();
        let mut cleared = Vec::new();
        assert!(Message::new(&m2).oneof_message(4, &[4, 6], &mut cleared).unwrap().is_none());
        assert_eq!(cleared.len(), 1);
    }

    #[test]
    fn unknown_groups_are_skipped_and_malformed_input_errors() {
        // field 9 start group, nested field 10 group, varint, ends; then field 5.
        let m = [vec![0x4b, 0x53, 0x08, 0x01, 0x54, 0x4c], ld(5, b"x")].concat();
        assert_eq!(Message::new(&m).last_bytes(5).unwrap().value, Some(&b"x"[..]));
        assert!(fields(&[0x4b, 0x08, 0x01]).is_err(), "unterminated group");
        assert!(fields(&[0x4c]).is_err(), "stray end group");
        assert!(fields(&[0x02, 0x00]).is_err(), "field number 0");
        assert!(fields(&[0x0e]).is_err(), "wire type 6");
        let deep: Vec<u8> = std::iter::repeat_n(0x4b, 200).collect();
        assert!(fields(&deep).is_err());
    }
}
