//! Helpers for the crate's unit tests.

/// A deterministic xorshift64 stream: cheap random inputs for tests that compare a fast path with a plain one.
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// A text of up to `max_pieces - 1` pieces drawn from `pieces`.
pub fn random_text(next: &mut impl FnMut() -> u64, pieces: &[&str], max_pieces: u64) -> String {
    let length = (next() % max_pieces) as usize;
    (0..length).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect()
}
