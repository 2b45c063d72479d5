//! The child side of the deep S11 check: `seeg inspect-pdf` reads documents on its standard input, one after the
//! other, parses each with [`active_content`](super::active_content) and prints one verdict line for each.
//! lopdf's loader is not safe against hostile input where our load filter cannot reach (a chain of indirect
//! `/Length`s recurses until the stack overflows, which aborts the whole process; object streams it unpacks for
//! them are kept whatever they weigh; nothing bounds its time), so the parse runs in a process of its own,
//! limited first: a crash, an allocation refused past the address-space limit or the CPU limit costs that
//! process only, and the parent ([`ProcessInspector`](super::ProcessInspector)) reads anything but a verdict as
//! "unreadable" and starts another child for the next document.
//!
//! The protocol: the parent writes the document's length in decimal and a line feed, then the document; the
//! child answers one line. It waits for the next document until its standard input ends, then exits 0. A child
//! parses one document at a time, each on a fresh thread, and keeps nothing from one to the next but its heap.

use std::io::{BufRead as _, Read as _, Write as _};
use std::process::ExitCode;

use rlimit::Resource;
use seeg_domain::applications::{DocumentLimits, DocumentProblem};

/// The stack of the thread that parses. lopdf resolves an indirect `/Length` by recursion, one level for each
/// link of a chain of them, and nothing bounds the chain but the document: the densest one (object streams each
/// written as `k 0 obj<</Length m 0 R>>stream`, the member `m` placed in the next one, the cross-reference data
/// compressed) holds some 232,000 links in 10 MiB. Measured with lopdf 0.47: a link takes about 2.2 KiB of
/// stack in a debug build and 2.0 KiB in a release build, so that document needs between 480 and 512 MiB
/// (debug; under 448 MiB in release). 640 MiB leaves a quarter more. Only the pages a parse touches are
/// committed; the whole of it counts towards [`ADDRESS_SPACE`], and it is unmapped when the thread ends.
const STACK: usize = 640 * 1024 * 1024;

/// The child's address space, 1.25 GiB: the parse's [`STACK`], the binary and its libraries (125 MiB for a
/// debug build, less in release), the document (10 MiB at most) and the heap. Measured with the debug binary,
/// the documents at the edge of what `load` accepts (a 9 MiB stream loaded 22 times over by overlapping
/// objects, some 200 MiB of objects) and the deepest chain each need about 960 MiB; 1.25 GiB leaves 320 MiB
/// more. What lopdf's loader keeps beyond our caps (each object stream it unpacks to resolve an indirect
/// `/Length` can take 300 MB while it parses) stops here: the allocation fails and the process aborts. The
/// parent retires a child whose resident memory has grown (see `process`), so what one document's parse left
/// in the heap never narrows the room of the next by much.
const ADDRESS_SPACE: u64 = 1280 * 1024 * 1024;

/// CPU seconds a document may take: a CV parses in milliseconds, the heaviest documents the caps accept and the
/// deepest chain in about 2 s (debug build). Before each parse the soft limit is set this far past what the
/// process has used; past it the kernel stops the process (SIGXCPU). The parent's wall-clock timeout
/// (`storage.pdf_inspection_timeout_secs`) covers a child that waits instead of computing.
pub(super) const CPU_SECONDS: u64 = 10;

/// CPU seconds a child may use in its life (the hard limit, which it cannot raise again): the parent retires a
/// child before it is left less than [`CPU_SECONDS`] for the next document.
pub(super) const CPU_LIFETIME: u64 = 120;

/// The longest length line: 20 digits and the line feed.
const MAX_LENGTH_LINE: u64 = 21;

/// `seeg inspect-pdf`: limits this process, then for each document on standard input (its length line, then
/// its bytes; refused past `DocumentLimits::max_document_bytes`) parses it on a thread with a [`STACK`]-sized
/// stack within [`CPU_SECONDS`] more and prints its verdict: `clean`, `active <Name>` or `unreadable`. Exits 0
/// when standard input ends between documents; 1 without a verdict when a limit cannot be set, a length line is
/// not one, a document is larger than a document may be or ends early, or the thread cannot start: the parent
/// takes that as unreadable too.
pub fn inspect_stdin() -> ExitCode {
    if limit().is_err() {
        return ExitCode::FAILURE;
    }
    let mut input = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    loop {
        let pdf = match read_document(&mut input) {
            Ok(Some(pdf)) => pdf,
            Ok(None) => return ExitCode::SUCCESS,
            Err(_) => return ExitCode::FAILURE,
        };
        if allow_one_more_document().is_err() {
            return ExitCode::FAILURE;
        }
        let parse = std::thread::Builder::new().name("inspect-pdf".to_owned()).stack_size(STACK);
        let Ok(parsing) = parse.spawn(move || super::active_content(&pdf)) else {
            return ExitCode::FAILURE;
        };
        let verdict = parsing.join().unwrap_or(Err(DocumentProblem::NotPdf));
        // A fresh budget before anything else: what is left of this document's must not run out while the next
        // one is read (a document made to end just short of its budget would get the next one refused).
        if allow_one_more_document().is_err() {
            return ExitCode::FAILURE;
        }
        if writeln!(stdout, "{}", verdict_line(&verdict)).and_then(|()| stdout.flush()).is_err() {
            return ExitCode::FAILURE;
        }
    }
}

/// Sets the limits, soft and hard alike (the hard CPU limit is the child's lifetime, see
/// [`allow_one_more_document`]): the process cannot raise them again. A hard limit already lower stays.
fn limit() -> std::io::Result<()> {
    // Should the machine or the container run out of memory, the kernel kills this child before the server (an
    // unprivileged process may always raise its own score); a system without the file keeps the default.
    let _ = std::fs::write("/proc/self/oom_score_adj", "1000");
    let lower = |resource: Resource, soft: u64, hard: u64| {
        let (_, current) = resource.get()?;
        resource.set(soft.min(current), hard.min(current))
    };
    lower(Resource::CORE, 0, 0)?;
    lower(Resource::CPU, CPU_SECONDS, CPU_LIFETIME)?;
    lower(Resource::AS, ADDRESS_SPACE, ADDRESS_SPACE)
}

/// Moves the soft CPU limit to [`CPU_SECONDS`] past what this process has used (never past the hard limit), so
/// each document has its own budget: set after each verdict and again before each parse. Without a reading of
/// its own CPU time the child cannot go on safely (its budget would be shared by every document): it ends, and
/// the parent starts another for the next document.
fn allow_one_more_document() -> std::io::Result<()> {
    let (_, hard) = Resource::CPU.get()?;
    let used = cpu_seconds("self").ok_or_else(|| std::io::Error::other("CPU time unreadable"))?;
    Resource::CPU.set(used.saturating_add(CPU_SECONDS).min(hard), hard)
}

/// CPU seconds (user and system, whole seconds rounded up) the process `pid` (or `self`) has used, from
/// `/proc/PID/stat`: fields 14 and 15, in clock ticks of `USER_HZ`, which Linux fixes at 100 for user space.
pub(super) fn cpu_seconds(pid: &str) -> Option<u64> {
    const USER_HZ: u64 = 100;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: the fields are counted after it.
    let mut fields = stat.get(stat.rfind(')')? + 1..)?.split_ascii_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user.checked_add(system)?.div_ceil(USER_HZ))
}

/// The next document on `input`: `None` when the input ends before its length line; an error when the line is
/// not a length, the length is over `DocumentLimits::max_document_bytes` or the document ends early.
fn read_document(input: &mut impl std::io::BufRead) -> std::io::Result<Option<Vec<u8>>> {
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let mut line = Vec::new();
    input.by_ref().take(MAX_LENGTH_LINE).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Ok(None);
    }
    let digits = line.strip_suffix(b"\n").ok_or_else(|| invalid("length line"))?;
    let length: u64 = std::str::from_utf8(digits)
        .ok()
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| invalid("length"))?;
    if length > DocumentLimits::default().max_document_bytes {
        return Err(invalid("document too large"));
    }
    let mut pdf = vec![0; usize::try_from(length).map_err(|_| invalid("length"))?];
    input.read_exact(&mut pdf)?;
    Ok(Some(pdf))
}

/// What the child prints: one line, the whole interface between the two processes.
const CLEAN: &str = "clean";
const ACTIVE: &str = "active ";
const UNREADABLE: &str = "unreadable";

/// The line printed for `verdict`.
fn verdict_line(verdict: &Result<(), DocumentProblem>) -> String {
    match verdict {
        Ok(()) => CLEAN.to_owned(),
        Err(DocumentProblem::ActiveContent(name)) => format!("{ACTIVE}{name}"),
        Err(_) => UNREADABLE.to_owned(),
    }
}

/// The verdict a child's output says, `None` when it is not one: anything but a single line `clean`,
/// `unreadable` or `active ` followed by one of the active names the inspector knows.
pub(super) fn parse_verdict(output: &[u8]) -> Option<Result<(), DocumentProblem>> {
    let line = output.strip_suffix(b"\n")?;
    match line {
        _ if line == CLEAN.as_bytes() => Some(Ok(())),
        _ if line == UNREADABLE.as_bytes() => Some(Err(DocumentProblem::NotPdf)),
        _ => {
            let name = line.strip_prefix(ACTIVE.as_bytes())?;
            super::active(name).map(|name| Err(DocumentProblem::ActiveContent(name)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_reads_back_as_written() {
        for verdict in [
            Ok(()),
            Err(DocumentProblem::NotPdf),
            Err(DocumentProblem::ActiveContent("JavaScript")),
            Err(DocumentProblem::ActiveContent("FileAttachment")),
        ] {
            let mut line = verdict_line(&verdict).into_bytes();
            line.push(b'\n');
            assert_eq!(parse_verdict(&line), Some(verdict));
        }
        // Any other refusal is unreadable to the child's parent.
        assert_eq!(verdict_line(&Err(DocumentProblem::NotPdfName)), "unreadable");
    }

    #[test]
    fn anything_else_is_no_verdict() {
        for output in [
            &b""[..],
            b"clean",                // no end of line: cut short
            b"clean\nclean\n",       // two lines
            b"Clean\n",              // not the word
            b"active Unknown\n",     // a name the inspector does not know
            b"active JavaScript \n", // not exactly the name
            b"active \n",
            b"\xff\n",
        ] {
            assert_eq!(parse_verdict(output), None, "{}", String::from_utf8_lossy(output));
        }
    }

    #[test]
    fn documents_are_read_one_after_the_other_by_their_length() {
        let mut input = &b"3\nabc0\n12\n%PDF-1.7 %%EO"[..];
        assert_eq!(read_document(&mut input).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_document(&mut input).unwrap(), Some(Vec::new()));
        assert_eq!(read_document(&mut input).unwrap(), Some(b"%PDF-1.7 %%E".to_vec()));
        // What is left ("O") is no length line; the end of the input between documents is the end.
        assert!(read_document(&mut input).is_err());
        assert_eq!(read_document(&mut &b""[..]).unwrap(), None);
    }

    #[test]
    fn a_length_past_the_limit_or_no_length_is_refused_before_anything_is_read() {
        let max = DocumentLimits::default().max_document_bytes;
        // The length is accepted, the document then ends early.
        let at_max = format!("{max}\n");
        assert_eq!(read_document(&mut at_max.as_bytes()).unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
        for line in [
            format!("{}\n", max + 1),
            "-1\n".to_owned(),
            "+3\n".to_owned(),
            " 3\n".to_owned(),
            "\n".to_owned(),
            "3".to_owned(),
            "9".repeat(30),
        ] {
            let error = read_document(&mut line.as_bytes()).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{line:?}");
        }
    }

    #[test]
    fn this_process_reads_its_own_cpu_time() {
        let start = cpu_seconds("self").unwrap();
        let spin = std::time::Instant::now();
        let mut x = 0_u64;
        while spin.elapsed() < std::time::Duration::from_millis(1100) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(cpu_seconds("self").unwrap() > start);
        assert_eq!(cpu_seconds("0"), None);
    }
}
