//! SHA-256 of a whole byte source, streamed in chunks with progress and cancellation:
//! the CLI (policy file allowlists) and the page (the hash shown after the verdict, for a
//! multi-GB file too) use the same code.

use sha2::{Digest, Sha256};

use crate::source::{ByteSource, SourceError};

/// Bytes read per step.
pub const CHUNK: usize = 1 << 20;

/// Why hashing stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashError {
    Read(SourceError),
    /// `progress` returned false.
    Cancelled,
}

/// Lower-case hex of a digest, through a table (no `format!` per byte).
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Hashes `src` from start to end. `progress(done, total)` is called after every chunk;
/// returning false cancels.
pub fn sha256(src: &dyn ByteSource, progress: &mut dyn FnMut(u64, u64) -> bool) -> Result<String, HashError> {
    let total = src.len();
    let mut h = Sha256::new();
    let mut buf = vec![0u8; CHUNK.min(total as usize).max(1)];
    let mut done = 0u64;
    while done < total {
        let n = (total - done).min(buf.len() as u64) as usize;
        src.read_at(done, &mut buf[..n]).map_err(HashError::Read)?;
        h.update(&buf[..n]);
        done += n as u64;
        if !progress(done, total) {
            return Err(HashError::Cancelled);
        }
    }
    Ok(hex(&h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests_progress_and_cancel() {
        let empty: Vec<u8> = Vec::new();
        assert_eq!(
            sha256(&empty, &mut |_, _| true).unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let abc = b"abc".to_vec();
        assert_eq!(
            sha256(&abc, &mut |_, _| true).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let big = vec![7u8; 3 * CHUNK + 5];
        let mut steps = Vec::new();
        let whole = sha256(&big, &mut |d, t| {
            steps.push((d, t));
            true
        })
        .unwrap();
        assert_eq!(whole, hex(&Sha256::digest(&big)));
        assert_eq!(steps.len(), 4);
        assert_eq!(steps.last(), Some(&(big.len() as u64, big.len() as u64)));
        assert_eq!(sha256(&big, &mut |d, _| d < 2 * CHUNK as u64), Err(HashError::Cancelled));
    }
}
