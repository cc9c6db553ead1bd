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

impl<'a> Reader<'a> {
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

    fn bytes(&mut self) -> Result<&'a [u8], PbError> {
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

/// One op of a SavedModel graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphOp {
    pub op: String,
    pub node: String,
    /// The library function holding the node, empty for the main graph.
    pub function: String,
}

/// Cheap content test for `saved_model.pb`: `saved_model_schema_version` (field 1,
/// varint) then `meta_graphs` (field 2, length-delimited).
pub fn looks_like_saved_model(head: &[u8]) -> bool {
    matches!(head, [0x08, v, 0x12, ..] if *v < 0x80)
}

fn fields(buf: &[u8]) -> Result<Vec<(u64, &[u8])>, PbError> {
    let mut r = Reader { b: buf, i: 0 };
    let mut out = Vec::new();
    while r.i < buf.len() {
        let key = r.varint()?;
        if key & 7 == 2 {
            out.push((key >> 3, r.bytes()?));
        } else {
            r.skip(key & 7)?;
        }
    }
    Ok(out)
}

fn node_def(buf: &[u8], function: &str, out: &mut Vec<GraphOp>) -> Result<(), PbError> {
    let mut op = GraphOp { op: String::new(), node: String::new(), function: function.to_string() };
    for (f, v) in fields(buf)? {
        match f {
            1 => op.node = String::from_utf8_lossy(v).into_owned(),
            2 => op.op = String::from_utf8_lossy(v).into_owned(),
            _ => {}
        }
    }
    out.push(op);
    Ok(())
}

/// Every op of every meta graph of a `SavedModel` message, library functions included
/// (`SavedModel.meta_graphs[].graph_def.{node[], library.function[].node_def[]}`).
pub fn graph_ops(buf: &[u8], max_ops: usize) -> Result<Vec<GraphOp>, PbError> {
    let mut out = Vec::new();
    for (f, meta) in fields(buf)? {
        if f != 2 {
            continue;
        }
        for (f, graph) in fields(meta)? {
            if f != 2 {
                continue;
            }
            for (f, v) in fields(graph)? {
                match f {
                    1 => node_def(v, "", &mut out)?,
                    2 => {
                        for (f, func) in fields(v)? {
                            if f != 1 {
                                continue;
                            }
                            let mut name = String::new();
                            for (f, part) in fields(func)? {
                                match f {
                                    1 => {
                                        if let Some((_, n)) = fields(part)?.into_iter().find(|(f, _)| *f == 1) {
                                            name = String::from_utf8_lossy(n).into_owned();
                                        }
                                    }
                                    3 => node_def(part, &name, &mut out)?,
                                    _ => {}
                                }
                            }
                        }
                    }
                    _ => {}
                }
                if out.len() > max_ops {
                    return Err(PbError(format!("more than {max_ops} graph ops")));
                }
            }
        }
    }
    Ok(out)
}

/// Keras metadata kept inside `saved_model.pb` by TF 2.0 – 2.4, before
/// `keras_metadata.pb` existed: `SavedModel.meta_graphs[].object_graph_def.nodes[]`,
/// each `SavedObject.user_object` (field 4) with `identifier` (1) and `metadata` (3).
pub fn user_object_metadata(buf: &[u8], max_nodes: usize) -> Result<Vec<Node>, PbError> {
    let mut out = Vec::new();
    for (f, meta) in fields(buf)? {
        if f != 2 {
            continue;
        }
        for (f, graph) in fields(meta)? {
            if f != 7 {
                continue;
            }
            let nodes = fields(graph)?.into_iter().filter(|(f, _)| *f == 1);
            for (id, (_, node)) in nodes.enumerate() {
                if id >= max_nodes {
                    return Err(PbError(format!("more than {max_nodes} object graph nodes")));
                }
                let Some((_, user)) = fields(node)?.into_iter().find(|(f, _)| *f == 4) else { continue };
                let mut n = Node { node_id: id as u64, ..Node::default() };
                for (f, v) in fields(user)? {
                    match f {
                        1 => n.identifier = utf8(v, "identifier")?,
                        3 => n.metadata = utf8(v, "metadata")?,
                        _ => {}
                    }
                }
                if !n.metadata.is_empty() {
                    n.path = format!("object {id}");
                    out.push(n);
                }
            }
        }
    }
    Ok(out)
}

/// TensorFlow ops that touch files or run Python when the graph runs.
pub const DANGEROUS_OPS: &[&str] = &[
    "ReadFile",
    "WriteFile",
    "MatchingFiles",
    "PyFunc",
    "PyFuncStateless",
    "EagerPyFunc",
    "ImmutableConst",
    "DeleteFile",
    "RecursivelyCreateDir",
    "DebugIdentityV3",
    "DebugNumericSummaryV2",
];

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
    fn lists_graph_and_library_ops() {
        let node = |name: &[u8], op: &[u8]| [field(1, name), field(2, op)].concat();
        let graph = [
            field(1, &node(b"rf", b"ReadFile")),
            field(2, &field(1, &[field(1, &field(1, b"fn")), field(3, &node(b"w", b"WriteFile"))].concat())),
        ]
        .concat();
        let meta = field(2, &graph);
        let mut sm = vec![0x08, 0x01];
        sm.extend(field(2, &meta));
        assert!(looks_like_saved_model(&sm));
        let ops = graph_ops(&sm, 100).unwrap();
        assert_eq!(ops.len(), 2);
        assert_eq!((ops[0].op.as_str(), ops[0].function.as_str()), ("ReadFile", ""));
        assert_eq!((ops[1].op.as_str(), ops[1].function.as_str()), ("WriteFile", "fn"));
    }

    #[test]
    fn reads_tf2_user_object_metadata() {
        let user = [field(1, b"_tf_keras_layer"), field(3, b"{\"class_name\": \"Lambda\"}")].concat();
        let objects =
            [field(1, &field(4, &user)), field(1, &field(6, b"")), field(1, &field(4, &field(1, b"x")))].concat();
        let mut sm = vec![0x08, 0x01];
        sm.extend(field(2, &field(7, &objects)));
        let nodes = user_object_metadata(&sm, 100).unwrap();
        assert_eq!(nodes.len(), 1, "only user objects with metadata");
        assert_eq!((nodes[0].node_id, nodes[0].identifier.as_str()), (0, "_tf_keras_layer"));
        assert!(nodes[0].metadata.contains("Lambda"));
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
