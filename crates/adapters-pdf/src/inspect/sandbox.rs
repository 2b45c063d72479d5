//! The child side of the deep S11 check: `seeg inspect-pdf` reads one document on its standard input, parses it
//! with [`active_content`](super::active_content) and prints one verdict line. lopdf's loader is not safe
//! against hostile input where our load filter cannot reach (a chain of indirect `/Length`s recurses until the
//! stack overflows, which aborts the whole process; object streams it unpacks for them are kept whatever they
//! weigh; nothing bounds its time), so the parse runs in a process of its own, limited first: a crash, an
//! allocation refused past the address-space limit or the CPU limit costs that process only, and the parent
//! ([`ProcessInspector`](super::ProcessInspector)) reads anything but a verdict as "unreadable".

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

use rlimit::Resource;
use seeg_domain::applications::{DocumentLimits, DocumentProblem};

/// The stack of the thread that parses. lopdf resolves an indirect `/Length` by recursion, one level for each
/// link of a chain of them, and nothing bounds the chain but the document: the densest one (object streams each
/// written as `k 0 obj<</Length m 0 R>>stream`, the member `m` placed in the next one, the cross-reference data
/// compressed) holds some 232,000 links in 10 MiB. Measured with lopdf 0.47: a link takes about 2.2 KiB of
/// stack in a debug build and 2.0 KiB in a release build, so that document needs between 480 and 512 MiB
/// (debug; under 448 MiB in release). 640 MiB leaves a quarter more. Only the pages a parse touches are
/// committed; the whole of it counts towards [`ADDRESS_SPACE`].
const STACK: usize = 640 * 1024 * 1024;

/// The child's address space, 1.25 GiB: the parse's [`STACK`], the binary and its libraries (125 MiB for a
/// debug build, less in release), the document (10 MiB at most) and the heap. Measured with the debug binary,
/// the documents at the edge of what `load` accepts (a 9 MiB stream loaded 22 times over by overlapping
/// objects, some 200 MiB of objects) and the deepest chain each need about 960 MiB; 1.25 GiB leaves 320 MiB
/// more. What lopdf's loader keeps beyond our caps (each object stream it unpacks to resolve an indirect
/// `/Length` can take 300 MB while it parses) stops here: the allocation fails and the process aborts.
const ADDRESS_SPACE: u64 = 1280 * 1024 * 1024;

/// CPU seconds: a CV parses in milliseconds, the heaviest documents the caps accept and the deepest chain in
/// about 2 s (debug build); past the soft limit the kernel stops the process (SIGXCPU, then SIGKILL at the
/// hard one). The parent's wall-clock timeout (`storage.pdf_inspection_timeout_secs`) covers a child that
/// waits instead of computing.
const CPU_SECONDS: u64 = 10;

/// What the child prints: one line, the whole interface between the two processes.
const CLEAN: &str = "clean";
const ACTIVE: &str = "active ";
const UNREADABLE: &str = "unreadable";

/// `seeg inspect-pdf`: limits this process, reads the document on standard input (refused past
/// `DocumentLimits::max_document_bytes`), parses it on a thread with a [`STACK`]-sized stack and prints its
/// verdict: `clean`, `active <Name>` or `unreadable`, exiting 0. Exits 1 without a verdict when a limit cannot
/// be set, standard input cannot be read or the thread cannot start: the parent takes that as unreadable too.
pub fn inspect_stdin() -> ExitCode {
    if limit().is_err() {
        return ExitCode::FAILURE;
    }
    let Ok(pdf) = read_document(std::io::stdin().lock()) else {
        return ExitCode::FAILURE;
    };
    let verdict = match pdf {
        Some(pdf) => {
            let parse = std::thread::Builder::new().name("inspect-pdf".to_owned()).stack_size(STACK);
            let Ok(parsing) = parse.spawn(move || super::active_content(&pdf)) else {
                return ExitCode::FAILURE;
            };
            parsing.join().unwrap_or(Err(DocumentProblem::NotPdf))
        }
        None => Err(DocumentProblem::NotPdf),
    };
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", verdict_line(&verdict)).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

/// Sets the limits, soft and hard alike (the hard CPU limit a second later, so the soft one's SIGXCPU comes
/// first): the process cannot raise them again. A hard limit already lower stays.
fn limit() -> std::io::Result<()> {
    // Should the machine or the container run out of memory, the kernel kills this child before the server (an
    // unprivileged process may always raise its own score); a system without the file keeps the default.
    let _ = std::fs::write("/proc/self/oom_score_adj", "1000");
    let lower = |resource: Resource, soft: u64, hard: u64| {
        let (_, current) = resource.get()?;
        resource.set(soft.min(current), hard.min(current))
    };
    lower(Resource::CORE, 0, 0)?;
    lower(Resource::CPU, CPU_SECONDS, CPU_SECONDS + 1)?;
    lower(Resource::AS, ADDRESS_SPACE, ADDRESS_SPACE)
}

/// The document on `input`, `None` when it is larger than a document may be.
fn read_document(input: impl std::io::Read) -> std::io::Result<Option<Vec<u8>>> {
    let max = DocumentLimits::default().max_document_bytes;
    let mut pdf = Vec::new();
    input.take(max + 1).read_to_end(&mut pdf)?;
    Ok(u64::try_from(pdf.len()).is_ok_and(|len| len <= max).then_some(pdf))
}

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
    fn a_document_past_the_limit_is_not_read_whole() {
        let max = usize::try_from(DocumentLimits::default().max_document_bytes).unwrap_or(usize::MAX);
        assert_eq!(read_document(&vec![b'%'; max][..]).ok().flatten().map(|pdf| pdf.len()), Some(max));
        assert_eq!(read_document(&vec![b'%'; max + 1][..]).ok(), Some(None));
    }
}
