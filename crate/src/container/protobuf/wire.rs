//! The protobuf wire format: tags, varints, length-delimited fields, fixed-size fields
//! and (unknown) groups, read the way upb (Python's `protobuf` 4.x) reads them.

use std::fmt;

use crate::messages::{en, Message};
use crate::msg;

/// Why a protobuf could not be read: a catalogue message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbError(pub Box<Message>);

impl PbError {
    /// Boxed: a `Result<_, PbError>` stays two words wide on every field read.
    pub fn new(m: Message) -> Self {
        PbError(Box::new(m))
    }
}

impl fmt::Display for PbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.text)
    }
}

/// Deepest group nesting skipped; upb's default recursion limit is 100.
pub const MAX_GROUP_DEPTH: usize = 100;

/// One field's value as it sits on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
    /// A group (wire types 3 … 4): no field we read is one; skipped as upb skips it.
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    pub number: u64,
    pub value: Value<'a>,
}

pub struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Reader { b, i: 0 }
    }

    fn err(&self, detail: Message) -> PbError {
        PbError::new(msg!(en::PB_AT_BYTE, detail = detail, byte = self.i))
    }

    pub fn varint(&mut self) -> Result<u64, PbError> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = *self.b.get(self.i).ok_or_else(|| self.err(msg!(en::PB_TRUNCATED_VARINT)))?;
            self.i += 1;
            if shift == 63 && byte > 1 {
                return Err(self.err(msg!(en::PB_VARINT_OVERFLOW)));
            }
            v |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err(msg!(en::PB_VARINT_LONG)))
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], PbError> {
        let end = (self.i as u64)
            .checked_add(n)
            .filter(|&e| e <= self.b.len() as u64)
            .ok_or_else(|| self.err(msg!(en::PB_FIELD_PAST_END, len = n)))?;
        let s = &self.b[self.i..end as usize];
        self.i = end as usize;
        Ok(s)
    }

    /// A tag: (field number, wire type). Field number 0 is malformed for upb.
    fn tag(&mut self) -> Result<(u64, u64), PbError> {
        let key = self.varint()?;
        if key >> 3 == 0 || key >> 3 > u32::MAX as u64 >> 3 {
            return Err(self.err(msg!(en::PB_FIELD_NUMBER, number = key >> 3)));
        }
        Ok((key >> 3, key & 7))
    }

    /// Skips a group whose start tag (for `number`) was just read, nested groups
    /// included, with a counter rather than recursion.
    fn skip_group(&mut self, number: u64) -> Result<(), PbError> {
        let mut open = vec![number];
        while let Some(&top) = open.last() {
            if self.i >= self.b.len() {
                return Err(self.err(msg!(en::PB_UNTERMINATED_GROUP)));
            }
            let (n, wire) = self.tag()?;
            match wire {
                3 => {
                    if open.len() >= MAX_GROUP_DEPTH {
                        return Err(self.err(msg!(en::PB_GROUPS_DEEP, max = MAX_GROUP_DEPTH)));
                    }
                    open.push(n);
                }
                4 if n == top => {
                    open.pop();
                }
                4 => return Err(self.err(msg!(en::PB_END_GROUP))),
                w => {
                    self.value(w, n)?;
                }
            }
        }
        Ok(())
    }

    fn value(&mut self, wire: u64, number: u64) -> Result<Value<'a>, PbError> {
        Ok(match wire {
            0 => Value::Varint(self.varint()?),
            1 => Value::Fixed64(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes"))),
            2 => {
                let n = self.varint()?;
                Value::Bytes(self.take(n)?)
            }
            3 => {
                self.skip_group(number)?;
                Value::Group
            }
            5 => Value::Fixed32(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"))),
            w => return Err(self.err(msg!(en::PB_WIRE_TYPE, type = w))),
        })
    }

    /// The next field, or `None` at the end of the buffer.
    pub fn field(&mut self) -> Result<Option<Field<'a>>, PbError> {
        if self.i >= self.b.len() {
            return Ok(None);
        }
        let (number, wire) = self.tag()?;
        if wire == 4 {
            return Err(self.err(msg!(en::PB_END_GROUP)));
        }
        Ok(Some(Field { number, value: self.value(wire, number)? }))
    }
}

/// Every field of one message body, in order.
pub fn fields(b: &[u8]) -> Result<Vec<Field<'_>>, PbError> {
    let mut r = Reader::new(b);
    let mut out = Vec::new();
    while let Some(f) = r.field()? {
        out.push(f);
    }
    Ok(out)
}
