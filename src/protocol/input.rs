//! Reading mdBook's request from stdin.
//!
//! mdBook (0.4 and 0.5 alike) serializes `[context, book]` straight into the pipe, unbuffered: one `write` for
//! each piece of JSON, about 170,000 for a book of 7.6 MB. A reader waiting in `read` is woken by every one of
//! them, and the two processes then hand the pipe back and forth a few bytes at a time: on two cores the
//! transfer took 130 ms, where mdBook alone writes the same book in 50. So stdin's pipe is made larger (on
//! Linux), and after a read that brought little the reader pauses for a fifth of a millisecond, in which mdBook
//! fills the pipe without waking anyone; each read then takes tens of kilobytes. A file on stdin
//! (`mdbook-kpi < request.json`) is read in one piece, into a buffer sized to fit.

use std::io::{self, Read};
use std::time::Duration;

/// A read that brought less than this found the writer slower than the reader. A quarter of the smallest pipe
/// (64 KiB, where it cannot be enlarged): a fast writer's reads bring more, and are not paused after.
const TRICKLE: usize = 16 << 10;
/// How long a slow writer is left to fill the pipe.
const PAUSE: Duration = Duration::from_micros(200);

/// All of stdin, backed by huge pages where the kernel offers them (faulting in a book of megabytes page by
/// page was a tenth of the preprocessor's time). `while_waiting` is called when stdin is not a file, before
/// the reading starts: work for the other core while the writer writes.
pub fn read_stdin(while_waiting: impl FnOnce()) -> io::Result<Vec<u8>> {
    let stdin = io::stdin().lock();
    if let Some(size) = file_size(&stdin) {
        return crate::memory::read_all(stdin, Some(size));
    }
    while_waiting();
    enlarge_pipe(&stdin);
    read_paced(stdin)
}

/// Reads a pipe to its end, pausing after each read that brought less than [`TRICKLE`].
fn read_paced(pipe: impl Read) -> io::Result<Vec<u8>> {
    crate::memory::read_stream(pipe, |read| {
        if read < TRICKLE {
            std::thread::sleep(PAUSE);
        }
    })
}

#[cfg(unix)]
fn file_size(stdin: &impl std::os::fd::AsFd) -> Option<usize> {
    let file = std::fs::File::from(stdin.as_fd().try_clone_to_owned().ok()?);
    let metadata = file.metadata().ok()?;
    metadata.is_file().then(|| usize::try_from(metadata.len()).ok()).flatten()
}

#[cfg(not(unix))]
fn file_size<T>(_: &T) -> Option<usize> {
    None
}

/// Asks for a pipe of 1 MiB, Linux's limit for unprivileged processes, instead of 64 KiB: a writer faster than
/// the paced reader then waits for it less often. Anything but a pipe refuses, and nothing changes.
#[cfg(target_os = "linux")]
fn enlarge_pipe(pipe: &impl std::os::fd::AsFd) {
    use std::os::fd::AsRawFd;
    const PIPE_SIZE: libc::c_int = 1 << 20;
    // SAFETY: F_SETPIPE_SZ only resizes the pipe's kernel buffer (never below what it holds); on a descriptor
    // that is not a pipe, or above the limit, it fails and changes nothing.
    unsafe {
        libc::fcntl(pipe.as_fd().as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_SIZE);
    }
}

#[cfg(not(target_os = "linux"))]
fn enlarge_pipe<T>(_: &T) {}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::read_paced;

    /// A reader that counts the reads made of it.
    struct Counted<R> {
        reader: R,
        reads: std::rc::Rc<std::cell::Cell<usize>>,
    }

    impl<R: Read> Read for Counted<R> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            self.reads.set(self.reads.get() + 1);
            self.reader.read(buffer)
        }
    }

    /// A writer that writes a few bytes at a time, as mdBook does, is read in far fewer reads than it writes,
    /// and nothing is lost. Without the pauses a waiting reader takes about one read per write.
    #[test]
    fn a_trickling_writer_is_read_in_few_reads() {
        const WRITES: usize = 20_000;
        let (reader, mut writer) = std::io::pipe().unwrap();
        let sender = std::thread::spawn(move || {
            for index in 0..WRITES {
                writer.write_all(format!("{index:015},").as_bytes()).unwrap();
            }
        });
        let reads = std::rc::Rc::default();
        let bytes = read_paced(Counted { reader, reads: std::rc::Rc::clone(&reads) }).unwrap();
        sender.join().unwrap();
        let reads = reads.get();
        let expected: String = (0..WRITES).map(|index| format!("{index:015},")).collect();
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
        assert!(reads * 4 < WRITES, "{reads} reads for {WRITES} writes");
    }

    /// Stdin's pipe is enlarged to 1 MiB.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_pipe_is_enlarged() {
        use std::os::fd::AsRawFd;
        let (reader, _writer) = std::io::pipe().unwrap();
        super::enlarge_pipe(&reader);
        // SAFETY: F_GETPIPE_SZ only reads the pipe's size.
        let size = unsafe { libc::fcntl(reader.as_raw_fd(), libc::F_GETPIPE_SZ) };
        assert_eq!(size, 1 << 20);
    }
}
