//! Memory the kernel backs with huge pages. Reading a large file or stdin into fresh memory costs a page fault
//! per 4 KiB (each page zeroed, then copied into); with transparent huge pages in `madvise` mode, one fault per
//! 2 MiB. Nothing changes where the kernel does not offer them.

use std::io::{self, Read};

/// Reads all of `reader` into memory the kernel may back with huge pages. `size` is its size when known (a
/// file): the buffer is then made once, to fit. Otherwise (a pipe, as mdBook gives stdin) it grows by doubling,
/// each new part advised.
pub fn read_all(mut reader: impl Read, size: Option<usize>) -> io::Result<Vec<u8>> {
    const FIRST: usize = 1 << 20;
    let mut bytes = Vec::new();
    if let Some(size) = size {
        // A hint only: a size too large to hold fails in the read with a clear error rather than here.
        let _ = bytes.try_reserve_exact(size.saturating_add(1));
        advise_huge_pages(&mut bytes);
        reader.read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    loop {
        if bytes.capacity() - bytes.len() < FIRST / 16 {
            bytes.reserve(bytes.capacity().max(FIRST));
            advise_huge_pages(&mut bytes);
        }
        let spare = bytes.capacity() - bytes.len();
        if (&mut reader).take(spare as u64).read_to_end(&mut bytes)? == 0 {
            return Ok(bytes);
        }
    }
}

/// Asks for huge pages behind the vector's spare capacity (reserve it first).
#[cfg(target_os = "linux")]
pub fn advise_huge_pages(buffer: &mut Vec<u8>) {
    const HUGE: usize = 2 << 20;
    let start = buffer.as_mut_ptr() as usize;
    let end = start + buffer.capacity();
    let aligned = start.next_multiple_of(HUGE);
    if aligned + HUGE <= end {
        // SAFETY: the range lies within the vector's own allocation; MADV_HUGEPAGE only changes how the kernel
        // backs those pages, never their contents, and a refusal (no THP) leaves everything as it was.
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, (end - aligned) / HUGE * HUGE, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub fn advise_huge_pages(_: &mut Vec<u8>) {}

/// Gives the memory freed so far back to the kernel. glibc keeps freed memory in the arena of the thread that
/// freed it, where other threads' arenas cannot use it; between two phases run by different threads (the
/// structure check, then expansion) it would count twice towards the peak.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_freed() {
    // SAFETY: malloc_trim only returns free pages of the allocator's own arenas to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_freed() {}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use proptest::prelude::*;

    use super::read_all;

    /// A reader that gives its bytes a few at a time, as a pipe does.
    struct Trickle<'b> {
        bytes: &'b [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let count = self.step.min(buffer.len()).min(self.bytes.len());
            buffer[..count].copy_from_slice(&self.bytes[..count]);
            self.bytes = &self.bytes[count..];
            Ok(count)
        }
    }

    /// The plain reference: `read_to_end` into a fresh vector.
    fn plain(bytes: &[u8]) -> Vec<u8> {
        let mut read = Vec::new();
        Trickle { bytes, step: usize::MAX }.read_to_end(&mut read).unwrap();
        read
    }

    proptest! {
        /// Reading into memory advised for huge pages gives the bytes a plain read gives, whether the size is
        /// known (a file) or not (a pipe), however the reader hands them out.
        #[test]
        fn reads_what_a_plain_read_reads(
            bytes in prop::collection::vec(any::<u8>(), 0..5000),
            step in 1usize..700,
            size_known in any::<bool>(),
        ) {
            let size = size_known.then_some(bytes.len());
            let read = read_all(Trickle { bytes: &bytes, step }, size).unwrap();
            prop_assert_eq!(read, plain(&bytes));
        }
    }

    /// Past the first megabyte a pipe's buffer grows (each new part advised), and no byte is lost or doubled.
    #[test]
    fn a_long_pipe_reads_whole() {
        let bytes: Vec<u8> = (0..5_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        for size in [None, Some(bytes.len())] {
            assert_eq!(read_all(Trickle { bytes: &bytes, step: 65_536 }, size).unwrap(), plain(&bytes));
        }
    }
}
