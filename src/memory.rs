//! Memory the kernel backs with huge pages. Reading a large file or stdin into fresh memory costs a page fault
//! per 4 KiB (each page zeroed, then copied into); with transparent huge pages in `madvise` mode, one fault per
//! 2 MiB. Nothing changes where the kernel does not offer them.

use std::io::{self, Read};

/// Reads all of `reader` into memory the kernel may back with huge pages. `size` is its size when known (a
/// file): the buffer is then made once, to fit. Otherwise see [`read_stream`], here without pauses.
pub fn read_all(mut reader: impl Read, size: Option<usize>) -> io::Result<Vec<u8>> {
    let Some(size) = size else {
        return read_stream(reader, |_| {});
    };
    let mut bytes = Vec::new();
    // A hint only: a size too large to hold fails in the read with a clear error rather than here.
    let _ = bytes.try_reserve_exact(size.saturating_add(1));
    advise_huge_pages(&mut bytes);
    reader.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads all of `reader`, whose size is not known (a pipe), one `read` at a time, into a buffer that grows by
/// doubling, each new part advised for huge pages. `after_read` is called with the size of each read that
/// brought bytes; it may pause, so that a writer who writes in small pieces fills the pipe before the next read
/// (see `protocol::input`). The bytes are read into zeroed memory a step ahead of them, not into the whole
/// spare capacity, which would touch up to twice the input's pages.
pub fn read_stream(mut reader: impl Read, mut after_read: impl FnMut(usize)) -> io::Result<Vec<u8>> {
    const STEP: usize = 1 << 20;
    let mut bytes = Vec::new();
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            if bytes.capacity() - bytes.len() < STEP {
                bytes.reserve(bytes.capacity().max(STEP));
                advise_huge_pages(&mut bytes);
            }
            bytes.resize(bytes.len() + STEP, 0);
        }
        match reader.read(&mut bytes[filled..]) {
            Ok(0) => {
                bytes.truncate(filled);
                return Ok(bytes);
            }
            Ok(read) => {
                filled += read;
                after_read(read);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
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

    use super::{read_all, read_stream};

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

    /// A reader that is interrupted (`EINTR`) before every other read.
    struct Interrupting<R> {
        reader: R,
        interrupt: bool,
    }

    impl<R: Read> Read for Interrupting<R> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            self.reader.read(buffer)
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

        /// A stream read through interruptions gives the plain read's bytes, and is told of every read that
        /// brought bytes, with its size: the sizes add up to the whole and none is zero.
        #[test]
        fn a_stream_tells_each_read(bytes in prop::collection::vec(any::<u8>(), 0..5000), step in 1usize..700) {
            let mut sizes = Vec::new();
            let reader = Interrupting { reader: Trickle { bytes: &bytes, step }, interrupt: false };
            let read = read_stream(reader, |size| sizes.push(size)).unwrap();
            prop_assert_eq!(&read, &plain(&bytes));
            prop_assert_eq!(sizes.iter().sum::<usize>(), bytes.len());
            prop_assert!(sizes.iter().all(|&size| size > 0 && size <= step));
            prop_assert_eq!(sizes.len(), bytes.len().div_ceil(step));
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
