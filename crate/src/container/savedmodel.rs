//! TF SavedModel Keras metadata: `keras_metadata.pb`.
//!
//! ```proto
//! message SavedMetadata { repeated SavedObject nodes = 1; }
//! message SavedObject { int32 node_id = 2; string node_path = 3; string identifier = 4;
//!                       string metadata = 5; VersionDef version = 6; }
//! ```
//! Each node's `metadata` is a JSON document (tuples as `__tuple__`). Only a varint
//! reader is needed; unknown fields are skipped by wire type.

use crate::source::{read_vec, ByteSource};

/// One `SavedObject` node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub node_id: u64,
    pub path: String,
    pub identifier: String,
    pub metadata: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbError(pub String);

impl std::fmt::Display for PbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "keras_metadata.pb: {}", self.0)
    }
}

/// Cheap content test: a protobuf whose first node carries a `_tf_keras_` identifier.
pub fn looks_like_keras_metadata(src: &dyn ByteSource) -> bool {
    let n = src.len().min(64 << 10);
    match read_vec(src, 0, n, 64 << 10) {
        Ok(head) => head.first() == Some(&0x0a) && head.windows(10).any(|w| w == b"_tf_keras_"),
        Err(_) => false,
    }
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> Result<u64, PbError> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = *self.b.get(self.i).ok_or_else(|| PbError(format!("truncated varint at byte {}", self.i)))?;
            self.i += 1;
            if shift == 63 && byte > 1 {
                return Err(PbError(format!("varint overflows 64 bits at byte {}", self.i)));
            }
            v |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(PbError(format!("varint longer than 10 bytes at byte {}", self.i)))
    }

    fn bytes(&mut self) -> Result<&[u8], PbError> {
        let len = self.varint()?;
        let end = (self.i as u64)
            .checked_add(len)
            .filter(|&e| e <= self.b.len() as u64)
            .ok_or_else(|| PbError(format!("field of {len} bytes at byte {} runs past the end", self.i)))?;
        let s = &self.b[self.i..end as usize];
        self.i = end as usize;
        Ok(s)
    }

    fn skip(&mut self, wire: u64) -> Result<(), PbError> {
        match wire {
            0 => self.varint().map(|_| ()),
            1 => self.advance(8),
            2 => self.bytes().map(|_| ()),
            5 => self.advance(4),
            _ => Err(PbError(format!("unsupported wire type {wire} at byte {}", self.i))),
        }
    }

    fn advance(&mut self, n: usize) -> Result<(), PbError> {
        if self.i + n > self.b.len() {
            return Err(PbError("truncated fixed-size field".into()));
        }
        self.i += n;
        Ok(())
    }
}

fn utf8(b: &[u8], what: &str) -> Result<String, PbError> {
    String::from_utf8(b.to_vec()).map_err(|_| PbError(format!("{what} is not UTF-8")))
}

/// Parses the nodes of a `SavedMetadata` message.
pub fn parse(buf: &[u8], max_nodes: usize) -> Result<Vec<Node>, PbError> {
    let mut r = Reader { b: buf, i: 0 };
    let mut nodes = Vec::new();
    while r.i < buf.len() {
        let key = r.varint()?;
        if key >> 3 == 1 && key & 7 == 2 {
            if nodes.len() >= max_nodes {
                return Err(PbError(format!("more than {max_nodes} nodes")));
            }
            let body = r.bytes()?;
            let mut n = Node::default();
            let mut nr = Reader { b: body, i: 0 };
            while nr.i < body.len() {
                let k = nr.varint()?;
                match (k >> 3, k & 7) {
                    (2, 0) => n.node_id = nr.varint()?,
                    (3, 2) => n.path = utf8(nr.bytes()?, "node_path")?,
                    (4, 2) => n.identifier = utf8(nr.bytes()?, "identifier")?,
                    (5, 2) => n.metadata = utf8(nr.bytes()?, "metadata")?,
                    (_, w) => nr.skip(w)?,
                }
            }
            nodes.push(n);
        } else {
            r.skip(key & 7)?;
        }
    }
    Ok(nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(num: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![(num << 3) | 2, data.len() as u8];
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn parses_nodes_and_skips_unknown_fields() {
        let mut node = vec![0x10, 0x05]; // node_id = 5
        node.extend(field(3, b"root.layer-1"));
        node.extend(field(4, b"_tf_keras_layer"));
        node.extend(field(5, b"{\"a\":1}"));
        node.extend([0x3d, 1, 2, 3, 4]); // field 7, fixed32: skipped
        let mut msg = field(1, &node);
        msg.extend([0x10, 0x01]); // unknown top-level varint
        let nodes = parse(&msg, 10).unwrap();
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].node_id, 5);
        assert_eq!(nodes[0].path, "root.layer-1");
        assert_eq!(nodes[0].metadata, "{\"a\":1}");
    }

    #[test]
    fn malformed_input_errors() {
        assert!(parse(&[0x0a, 0x7f, 0x00], 10).is_err()); // length past the end
        assert!(parse(&[0xff; 11], 10).is_err()); // endless varint
        assert!(parse(&[0x0b], 10).is_err()); // group wire type
        let one = field(1, b"");
        let many: Vec<u8> = one.iter().copied().cycle().take(one.len() * 5).collect();
        assert!(parse(&many, 3).is_err());
    }
}
