//! The structure check (SPEC 6).
