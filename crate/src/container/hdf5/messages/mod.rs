//! Decoders for the object header messages the scanner needs. Each parses a buffer
//! bounded by the message's declared size.

pub mod attribute;
pub mod dataspace;
pub mod datatype;
pub mod external;
pub mod info;
pub mod layout;
pub mod link;
pub mod shared;
