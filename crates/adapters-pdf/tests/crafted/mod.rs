//! PDFs written by hand for the inspector's tests: objects as bytes, the cross-reference data (a table or a
//! stream) computed from where they land, so a test can write what no PDF writer would.

use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy)]
enum Entry {
    Normal { offset: usize, generation: u16 },
    Compressed { container: u32, index: usize },
    Free { generation: u16 },
}

/// A PDF being written: bytes so far, and the cross-reference entries of the section being written.
#[derive(Debug)]
pub struct Pdf {
    bytes: Vec<u8>,
    entries: BTreeMap<u32, Entry>,
    sections: usize,
}

impl Pdf {
    pub fn new() -> Self {
        Self { bytes: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(), entries: BTreeMap::new(), sections: 0 }
    }

    /// Where the next bytes go.
    pub fn offset(&self) -> usize {
        self.bytes.len()
    }

    /// Bytes that no entry points to (yet).
    pub fn raw(&mut self, bytes: impl AsRef<[u8]>) -> &mut Self {
        self.bytes.extend_from_slice(bytes.as_ref());
        self
    }

    /// An entry for object `number` at `offset`, whatever is there.
    pub fn entry(&mut self, number: u32, offset: usize) -> &mut Self {
        self.entries.insert(number, Entry::Normal { offset, generation: 0 });
        self
    }

    /// `number 0 obj` `body` `endobj`.
    pub fn object(&mut self, number: u32, body: impl AsRef<[u8]>) -> &mut Self {
        let offset = self.offset();
        self.raw(format!("{number} 0 obj\n")).raw(body).raw("\nendobj\n").entry(number, offset)
    }

    /// A stream object: `dict` (entries without `<<` `>>`), its `/Length` added, then `data`.
    pub fn stream(&mut self, number: u32, dict: &str, data: &[u8]) -> &mut Self {
        let mut body = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.object(number, body)
    }

    /// A compressed object stream holding `members` (number, body), which the cross-reference data places
    /// there.
    pub fn object_stream(&mut self, number: u32, members: &[(u32, impl AsRef<str>)]) -> &mut Self {
        let packed = object_stream(members);
        let dict = format!("{} /Filter /FlateDecode", packed.dict());
        self.place(number, members).stream(number, &dict, &deflate(&packed.content))
    }

    /// Entries placing `members` in object stream `container`, by index.
    pub fn place(&mut self, container: u32, members: &[(u32, impl AsRef<str>)]) -> &mut Self {
        for (index, (number, _)) in members.iter().enumerate() {
            self.entries.insert(*number, Entry::Compressed { container, index });
        }
        self
    }

    /// A free entry: object `number` deleted (by an update) with `generation` next.
    pub fn free(&mut self, number: u32, generation: u16) -> &mut Self {
        self.entries.insert(number, Entry::Free { generation });
        self
    }

    /// Ends the section with a cross-reference table and `trailer` (entries without `<<` `>>`, `/Size` added);
    /// answers where the table starts, for an update's `/Prev`.
    pub fn table(&mut self, trailer: &str) -> usize {
        let start = self.start_section();
        let mut table = String::from("xref\n");
        for run in runs(&self.entries) {
            let _ = writeln!(table, "{} {}", run[0].0, run.len());
            for (_, entry) in run {
                let line = match entry {
                    Entry::Normal { offset, generation } => format!("{offset:010} {generation:05} n"),
                    Entry::Free { generation } => format!("0000000000 {generation:05} f"),
                    Entry::Compressed { .. } => panic!("a cross-reference table cannot place objects in streams"),
                };
                table.push_str(&line);
                table.push_str("\r\n");
            }
        }
        let size = self.size();
        self.raw(format!("{table}trailer\n<< /Size {size} {trailer} >>\nstartxref\n{start}\n%%EOF\n"));
        self.entries.clear();
        start
    }

    /// Ends the section with cross-reference stream `number` (`/W [1 4 4]`, not compressed), `trailer` going
    /// into its dictionary; answers where it starts.
    pub fn xref_stream(&mut self, number: u32, trailer: &str) -> usize {
        let start = self.start_section();
        self.entry(number, start);
        let mut data = Vec::new();
        let mut index = String::new();
        for run in runs(&self.entries) {
            let _ = write!(index, "{} {} ", run[0].0, run.len());
            for (_, entry) in run {
                let (kind, field2, field3) = match entry {
                    Entry::Free { generation } => (0, 0, usize::from(generation)),
                    Entry::Normal { offset, generation } => (1, offset, usize::from(generation)),
                    Entry::Compressed { container, index } => (2, container as usize, index),
                };
                data.push(kind);
                data.extend_from_slice(&u32::try_from(field2).unwrap().to_be_bytes());
                data.extend_from_slice(&u32::try_from(field3).unwrap().to_be_bytes());
            }
        }
        let size = self.size();
        let dict = format!("/Type /XRef /Size {size} /W [1 4 4] /Index [{index}] {trailer}");
        self.stream(number, &dict, &data);
        self.raw(format!("startxref\n{start}\n%%EOF\n"));
        self.entries.clear();
        start
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The first section lists object 0, the head of the free list.
    fn start_section(&mut self) -> usize {
        if self.sections == 0 {
            self.entries.entry(0).or_insert(Entry::Free { generation: 65535 });
        }
        self.sections += 1;
        self.offset()
    }

    fn size(&self) -> u32 {
        self.entries.keys().next_back().map_or(1, |last| last + 1)
    }
}

/// The entries in runs of consecutive numbers, one subsection each.
fn runs(entries: &BTreeMap<u32, Entry>) -> Vec<Vec<(u32, Entry)>> {
    let mut runs: Vec<Vec<(u32, Entry)>> = Vec::new();
    for (&number, &entry) in entries {
        match runs.last_mut() {
            Some(run) if run.last().is_some_and(|&(last, _)| last + 1 == number) => run.push((number, entry)),
            _ => runs.push(vec![(number, entry)]),
        }
    }
    runs
}

/// An object stream's content, uncompressed, and what its dictionary says of it.
#[derive(Debug)]
pub struct Packed {
    pub n: usize,
    pub first: usize,
    pub content: Vec<u8>,
}

impl Packed {
    /// Its dictionary's entries, without `/Filter`.
    pub fn dict(&self) -> String {
        format!("/Type /ObjStm /N {} /First {}", self.n, self.first)
    }
}

pub fn object_stream(members: &[(u32, impl AsRef<str>)]) -> Packed {
    let mut header = String::new();
    let mut body = String::new();
    for (number, member) in members {
        let _ = write!(header, "{number} {} ", body.len());
        body.push_str(member.as_ref());
        body.push('\n');
    }
    Packed { n: members.len(), first: header.len(), content: format!("{header}{body}").into_bytes() }
}

/// zlib, as `/FlateDecode` expects.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// A catalog (object 1) opening `open_action` if any, with its page tree (objects 2 and 3), as members of an
/// object stream.
pub fn catalog_and_pages(open_action: Option<&str>) -> Vec<(u32, String)> {
    let action = open_action.map(|action| format!("/OpenAction {action}")).unwrap_or_default();
    vec![
        (1, format!("<< /Type /Catalog /Pages 2 0 R {action} >>")),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned()),
        (3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>".to_owned()),
    ]
}

/// A script action, well formed.
pub const SCRIPT: &str = "<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>";

/// A one-page document whose catalog opens action 4, all four in object stream 5.
pub fn opening(action: &str) -> Vec<u8> {
    let mut members = catalog_and_pages(Some("4 0 R"));
    members.push((4, action.to_owned()));
    let mut pdf = Pdf::new();
    pdf.object_stream(5, &members).xref_stream(6, "/Root 1 0 R");
    pdf.bytes()
}
