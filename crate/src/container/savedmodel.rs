//! TF SavedModel Keras metadata: `keras_metadata.pb`, and what `saved_model.pb` holds
//! for Keras (TF 2.0 – 2.4 metadata) and for the rules (graph ops).
//!
//! ```proto
//! message SavedMetadata { repeated SavedObject nodes = 1; }
//! message SavedObject { int32 node_id = 2; string node_path = 3; string identifier = 4;
//!                       string metadata = 5; VersionDef version = 6; }
//! ```
//! Each node's `metadata` is a JSON document (tuples as `__tuple__`). Fields are read
//! with Python's merge rules (`protobuf::merge`): the last `metadata` of a node wins, and
//! the earlier ones, which Python parses and drops, are kept as `shadowed` so they are
//! scanned and reported too.

use super::protobuf::{Message, PbError as WireError};
use crate::messages::{en, term, within, Message as Msg};
use crate::msg;
use crate::source::{read_vec, ByteSource};

/// One `SavedObject` node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub node_id: u64,
    pub path: String,
    pub identifier: String,
    /// The metadata Python's loader reads.
    pub metadata: String,
    /// Metadata values in the file that Python does not see: earlier copies of the
    /// field, or a `user_object` cleared by a later member of its `oneof`.
    pub shadowed: Vec<String>,
}

/// Why `saved_model.pb` / `keras_metadata.pb` could not be read: a catalogue message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbError(pub Box<Msg>);

impl PbError {
    /// Boxed, as the wire reader's error it wraps.
    pub fn new(m: Msg) -> Self {
        PbError(Box::new(m))
    }
}

impl std::fmt::Display for PbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "protobuf: {}", self.0)
    }
}

impl From<PbError> for Msg {
    fn from(e: PbError) -> Msg {
        msg!(en::PB_ERROR, detail = *e.0)
    }
}

impl From<WireError> for PbError {
    fn from(e: WireError) -> Self {
        PbError(e.0)
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

/// A proto3 `string`: upb refuses the whole message when one is not UTF-8.
fn utf8(b: &[u8], what: &str) -> Result<String, PbError> {
    String::from_utf8(b.to_vec()).map_err(|_| PbError::new(msg!(en::PB_NOT_UTF8, what = term(what))))
}

fn last_string(m: &Message, number: u64, what: &str) -> Result<(String, Vec<String>), PbError> {
    let last = m.last_bytes(number)?;
    let value = last.value.map(|b| utf8(b, what)).transpose()?.unwrap_or_default();
    let shadowed = last.shadowed.iter().map(|b| utf8(b, what)).collect::<Result<_, _>>()?;
    Ok((value, shadowed))
}

/// Parses the nodes of a `SavedMetadata` message.
pub fn parse(buf: &[u8], max_nodes: usize) -> Result<Vec<Node>, PbError> {
    let mut out = Vec::new();
    for node in Message::new(buf).repeated(1, max_nodes).map_err(|e| PbError::new(within(term("nodes"), e.0)))? {
        let (metadata, shadowed) = last_string(&node, 5, "metadata")?;
        out.push(Node {
            node_id: node.last_varint(2)?.unwrap_or(0),
            path: last_string(&node, 3, "node_path")?.0,
            identifier: last_string(&node, 4, "identifier")?.0,
            metadata,
            shadowed,
        });
    }
    Ok(out)
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

/// `NodeDef { string name = 1; string op = 2; }`: the op TensorFlow runs is the last
/// `op`; earlier ones are listed too (marked), since they are in the file.
fn node_def(m: &Message, function: &str, out: &mut Vec<GraphOp>) -> Result<(), PbError> {
    let name = m.last_bytes(1)?.value.map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
    let op = m.last_bytes(2)?;
    for (b, shadowed) in op.shadowed.iter().map(|b| (b, true)).chain(op.value.iter().map(|b| (b, false))) {
        let node = if shadowed { format!("{name} (an earlier `op` value, overridden)") } else { name.clone() };
        out.push(GraphOp { op: String::from_utf8_lossy(b).into_owned(), node, function: function.to_string() });
    }
    Ok(())
}

/// Every op of every meta graph of a `SavedModel` message, library functions included
/// (`SavedModel.meta_graphs[].graph_def.{node[], library.function[].node_def[]}`).
pub fn graph_ops(buf: &[u8], max_ops: usize) -> Result<Vec<GraphOp>, PbError> {
    let mut out = Vec::new();
    for meta in Message::new(buf).repeated(2, max_ops)? {
        let Some(graph) = meta.message(2, max_ops)? else { continue };
        for node in graph.repeated(1, max_ops)? {
            node_def(&node, "", &mut out)?;
        }
        if let Some(library) = graph.message(2, max_ops)? {
            for func in library.repeated(1, max_ops)? {
                let name = match func.message(1, max_ops)? {
                    Some(sig) => String::from_utf8_lossy(sig.last_bytes(1)?.value.unwrap_or_default()).into_owned(),
                    None => String::new(),
                };
                for node in func.repeated(3, max_ops)? {
                    node_def(&node, &name, &mut out)?;
                }
                if out.len() > max_ops {
                    return Err(PbError::new(msg!(en::PB_GRAPH_OPS, max = max_ops)));
                }
            }
        }
        if out.len() > max_ops {
            return Err(PbError::new(msg!(en::PB_GRAPH_OPS, max = max_ops)));
        }
    }
    Ok(out)
}

/// Fields of `SavedObject.kind` (a `oneof`): setting any clears the others.
const SAVED_OBJECT_KIND: &[u64] = &[4, 5, 6, 7, 8, 9, 10, 12];

/// Keras metadata kept inside `saved_model.pb` by TF 2.0 – 2.4, before
/// `keras_metadata.pb` existed: `SavedModel.meta_graphs[].object_graph_def.nodes[]`,
/// each `SavedObject.user_object` (field 4, in the `kind` oneof) with `identifier` (1)
/// and `metadata` (3). tf.keras reads `meta_graphs[0]`; every meta graph is read here.
/// `object_graph_def` given twice is merged, so its `nodes` lists concatenate and node
/// ids count across both, as in Python.
pub fn user_object_metadata(buf: &[u8], max_nodes: usize) -> Result<Vec<Node>, PbError> {
    let mut out = Vec::new();
    for meta in Message::new(buf).repeated(2, max_nodes)? {
        let Some(graph) = meta.message(7, max_nodes)? else { continue };
        for (id, node) in graph.repeated(1, max_nodes)?.into_iter().enumerate() {
            let mut cleared = Vec::new();
            let user = node.oneof_message(4, SAVED_OBJECT_KIND, &mut cleared)?;
            let mut n = Node { node_id: id as u64, path: format!("object {id}"), ..Node::default() };
            if let Some(user) = &user {
                n.identifier = last_string(user, 1, "identifier")?.0;
                (n.metadata, n.shadowed) = last_string(user, 3, "metadata")?;
            }
            // A user_object a later `kind` member cleared: Python never sees its metadata.
            for body in cleared {
                let (m, mut earlier) = last_string(&Message::new(body), 3, "metadata")?;
                n.shadowed.append(&mut earlier);
                n.shadowed.push(m);
            }
            n.shadowed.retain(|m| !m.is_empty());
            if !n.metadata.is_empty() || !n.shadowed.is_empty() {
                out.push(n);
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
    fn graph_ops_follow_merge_rules_and_list_overridden_ops() {
        // NodeDef.op given twice (TensorFlow runs the last); graph_def given twice (merged:
        // both nodes are in the graph).
        let meta = [
            field(2, &field(1, &[field(1, b"n"), field(2, b"ReadFile"), field(2, b"Identity")].concat())),
            field(2, &field(1, &[field(1, b"m"), field(2, b"WriteFile")].concat())),
        ]
        .concat();
        let mut sm = vec![0x08, 0x01];
        sm.extend(field(2, &meta));
        let ops: Vec<(String, String)> = graph_ops(&sm, 100).unwrap().into_iter().map(|o| (o.op, o.node)).collect();
        assert_eq!(
            ops,
            [
                ("ReadFile".to_string(), "n (an earlier `op` value, overridden)".to_string()),
                ("Identity".to_string(), "n".to_string()),
                ("WriteFile".to_string(), "m".to_string())
            ]
        );
    }

    #[test]
    fn keras_metadata_last_value_wins_and_earlier_ones_are_kept() {
        let node = [field(5, b"first"), field(5, b"second"), vec![0x10, 0x07]].concat();
        let nodes = parse(&field(1, &node), 10).unwrap();
        assert_eq!((nodes[0].metadata.as_str(), nodes[0].node_id), ("second", 7));
        assert_eq!(nodes[0].shadowed, ["first"]);
        assert!(parse(&field(1, &field(5, b"\xff")), 10).is_err(), "proto3 strings must be UTF-8");
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
