//! The documents of an application (legacy R20, R21) under decision S11: real PDFs without active content,
//! bounded in number and size, the three required types present once each. Any bad document rejects the whole
//! submission, naming the document and the reason.
//!
//! `PdfScan` reads a document in chunks, so a streamed upload is checked as it arrives, without holding it.

use crate::vocabulary::wire_enum;

wire_enum! {
    /// The document types (K2): three required, four optional.
    pub enum DocumentType {
        /// Curriculum vitae: required.
        Cv => "cv",
        /// Cover letter: required.
        CoverLetter => "cover_letter",
        /// Diploma: required.
        Diplome => "diplome",
        /// Certificates: optional.
        Certificats => "certificats",
        /// Letter of recommendation: optional.
        LettreRecommandation => "lettre_recommandation",
        /// Portfolio: optional.
        Portfolio => "portfolio",
        /// Any other document: optional.
        Autres => "autres",
    }
}

impl DocumentType {
    /// Required once in every application (R20).
    pub const REQUIRED: [Self; 3] = [Self::Cv, Self::CoverLetter, Self::Diplome];

    /// Whether every application must carry exactly one document of this type (`REQUIRED`).
    pub fn is_required(self) -> bool {
        Self::REQUIRED.contains(&self)
    }

    /// Reads a type as a request sends it (surrounding spaces ignored); an unknown one is `TypeNotAllowed`
    /// naming it ("(vide)" when blank).
    pub fn parse_allowed(raw: &str) -> Result<Self, DocumentProblem> {
        raw.trim().parse().map_err(|_| DocumentProblem::TypeNotAllowed(shown_type(raw)))
    }

    /// The French name used in messages (legacy phrases, K5).
    pub const fn label(self) -> &'static str {
        match self {
            Self::Cv => "CV",
            Self::CoverLetter => "Lettre de motivation",
            Self::Diplome => "Diplôme",
            Self::Certificats => "Certificats",
            Self::LettreRecommandation => "Lettre de recommandation",
            Self::Portfolio => "Portfolio",
            Self::Autres => "Autres",
        }
    }
}

/// The S11 bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Most documents in one application.
    pub max_documents: usize,
    /// Per document, decoded.
    pub max_document_bytes: u64,
    /// All documents of one application together, decoded.
    pub max_total_bytes: u64,
}

impl Default for DocumentLimits {
    fn default() -> Self {
        Self { max_documents: 10, max_document_bytes: 10 * MIB, max_total_bytes: 40 * MIB }
    }
}

const MIB: u64 = 1024 * 1024;

/// Why one document, or the set, was refused. Each variant names the stable S11 code (F1) the HTTP adapter answers
/// it with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentProblem {
    /// `document_not_pdf`: no `%PDF-` header or no `%%EOF` trailer.
    #[error("le fichier n'est pas un PDF valide (en-tête %PDF- et fin %%EOF attendus)")]
    NotPdf,
    /// `document_not_pdf`: the file name does not end in `.pdf`.
    #[error("le nom du fichier doit se terminer par .pdf")]
    NotPdfName,
    /// `document_name_invalid`: the file name is blank, too long (`MAX_FILE_NAME_CHARS`), or holds a control
    /// character or a path separator.
    #[error(
        "nom de fichier invalide ({MAX_FILE_NAME_CHARS} caractères au plus, sans caractère de contrôle, « / » ni « \\ »)"
    )]
    NameInvalid,
    /// `document_active_content`: the PDF carries one of `ACTIVE_NAMES`, named here.
    #[error("le PDF contient du contenu actif ({0}), refusé")]
    ActiveContent(&'static str),
    /// `document_too_large`: one document is over `DocumentLimits::max_document_bytes`.
    #[error("le fichier dépasse {max} Mio", max = .max_bytes / MIB)]
    TooLarge {
        /// The limit, in bytes.
        max_bytes: u64,
    },
    /// `document_too_large`: the documents together are over `DocumentLimits::max_total_bytes`.
    #[error("les documents dépassent ensemble {max} Mio", max = .max_bytes / MIB)]
    TooLargeTogether {
        /// The limit, in bytes.
        max_bytes: u64,
    },
    /// `too_many_documents`: more than `DocumentLimits::max_documents`.
    #[error("{max} documents au plus par candidature")]
    TooMany {
        /// The limit.
        max: usize,
    },
    /// `missing_required_documents`: these required types are absent.
    #[error("Documents obligatoires manquants : {}", labels(.0))]
    MissingRequired(Vec<DocumentType>),
    /// `duplicate_required_document`: these required types are sent more than once.
    #[error("Documents en double détectés : {}", labels(.0))]
    DuplicateRequired(Vec<DocumentType>),
    /// `document_type_not_allowed`: the types named (as sent, comma-separated) are not document types.
    #[error("Types de documents non autorisés : {0}")]
    TypeNotAllowed(String),
}

fn labels(types: &[DocumentType]) -> String {
    types.iter().map(|t| t.label()).collect::<Vec<_>>().join(", ")
}

/// The names whose presence makes a PDF active (S11): scripts, actions that run, submit, import or open other
/// files, embedded files, rich media and XFA forms. The actions a document runs when it opens (`OpenAction`) or
/// on an event (`AA`) are judged by their type (`/S /JavaScript`, `/S /Launch`, …), not refused as such: most
/// word processors write an `OpenAction` that only sets the first page's view. A name matches as a whole token,
/// compared after `#xx` escapes are decoded, so `/Java#53cript` is caught and `/JSON` is not.
pub const ACTIVE_NAMES: [&str; 11] = [
    "JavaScript",
    "JS",
    "Launch",
    "EmbeddedFile",
    "SubmitForm",
    "ImportData",
    "RichMedia",
    "XFA",
    "GoToR",
    "GoToE",
    "EmbeddedFiles",
];
/// `%%EOF` must appear within this many final bytes (readers tolerate trailing bytes after it).
const TRAILER_WINDOW: usize = 1024;
/// A name longer than this is not one of `ACTIVE_NAMES`, escaped or not: no need to carry it across chunks.
const MAX_CARRIED_NAME: usize = 3 * 16;

/// Checks a PDF fed in chunks: a cheap first pass over the raw bytes. Compressed streams (object streams
/// included) are not inflated here, so a whole document that passes still goes through the application's
/// `PdfInspector`, which parses it and looks at every object.
///
/// What each document of a submission must be (S11):
///
/// ```rust
/// use seeg_domain::applications::{DocumentLimits, DocumentProblem, PdfScan};
///
/// let limits = DocumentLimits::default();
/// let verdict = |chunks: &[&[u8]], name: &str| {
///     let mut scan = PdfScan::new();
///     chunks.iter().for_each(|chunk| scan.feed(chunk));
///     scan.finish(name, &limits)
/// };
///
/// // A `%PDF-` header, a `%%EOF` trailer and a `.pdf` name: accepted, with its size.
/// assert_eq!(verdict(&[b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", b"%%EOF\n"], "cv.PDF"), Ok(35));
///
/// // Not a PDF, or not named as one.
/// assert_eq!(verdict(&[b"GIF89a ... %%EOF"], "cv.pdf"), Err(DocumentProblem::NotPdf));
/// assert_eq!(verdict(&[b"%PDF-1.7\n%%EOF"], "cv.docx"), Err(DocumentProblem::NotPdfName));
///
/// // Active content, even cut across two chunks or spelt with `#xx` escapes.
/// assert_eq!(
///     verdict(&[b"%PDF-1.7\n<< /S /Java", b"Script >>\n%%EOF"], "cv.pdf"),
///     Err(DocumentProblem::ActiveContent("JavaScript"))
/// );
/// assert_eq!(verdict(&[b"%PDF-1.7 /Laun#63h %%EOF"], "cv.pdf"), Err(DocumentProblem::ActiveContent("Launch")));
/// assert_eq!(verdict(&[b"%PDF-1.7 /JSON %%EOF"], "cv.pdf"), Ok(20), "a longer name is not /JS");
///
/// // Over the per-document limit (10 MiB by default, 16 bytes here): too large.
/// let big = DocumentLimits { max_document_bytes: 16, ..limits };
/// let mut scan = PdfScan::new();
/// scan.feed(b"%PDF-1.7\n0123456789\n%%EOF");
/// assert_eq!(scan.finish("cv.pdf", &big), Err(DocumentProblem::TooLarge { max_bytes: 16 }));
/// assert_eq!(limits.max_document_bytes, 10 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, Default)]
pub struct PdfScan {
    head: Vec<u8>,
    tail: Vec<u8>,
    size: u64,
    /// The unfinished name at the end of the previous chunk.
    carry: Vec<u8>,
    active: Option<&'static str>,
}

impl PdfScan {
    /// A scan that has seen no byte yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes fed so far: a streaming caller stops as soon as it exceeds the limit.
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// Reads the next chunk of the document. Only the head, the last kilobyte and a name cut at the chunk's end are
    /// kept; scanning for active names stops at the first one found.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.size += chunk.len() as u64;
        if self.head.len() < 5 {
            let wanted = (5 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..wanted]);
        }
        self.tail.extend_from_slice(chunk);
        if self.tail.len() > TRAILER_WINDOW {
            self.tail.drain(..self.tail.len() - TRAILER_WINDOW);
        }
        if self.active.is_none() {
            let mut data = std::mem::take(&mut self.carry);
            data.extend_from_slice(chunk);
            self.scan(&data, false);
        }
    }

    /// The verdict on the whole document named `file_name`.
    pub fn finish(mut self, file_name: &str, limits: &DocumentLimits) -> Result<u64, DocumentProblem> {
        if self.active.is_none() && !self.carry.is_empty() {
            let rest = std::mem::take(&mut self.carry);
            self.scan(&rest, true);
        }
        if !file_name.trim().to_lowercase().ends_with(".pdf") {
            return Err(DocumentProblem::NotPdfName);
        }
        if self.size > limits.max_document_bytes {
            return Err(DocumentProblem::TooLarge { max_bytes: limits.max_document_bytes });
        }
        if self.head != b"%PDF-" || !self.tail.windows(5).any(|w| w == b"%%EOF") {
            return Err(DocumentProblem::NotPdf);
        }
        if let Some(name) = self.active {
            return Err(DocumentProblem::ActiveContent(name));
        }
        Ok(self.size)
    }

    /// Looks at every name (`/Name`) in `data`; an unfinished one at the end is carried unless `last`.
    fn scan(&mut self, data: &[u8], last: bool) {
        let mut i = 0;
        while i < data.len() {
            if data[i] != b'/' {
                i += 1;
                continue;
            }
            let start = i + 1;
            let mut end = start;
            while end < data.len() && is_regular(data[end]) {
                end += 1;
            }
            if end == data.len() && !last {
                if end - start <= MAX_CARRIED_NAME {
                    self.carry = data[i..].to_vec();
                }
                return;
            }
            if let Some(found) = active_name(&data[start..end]) {
                self.active = Some(found);
                return;
            }
            i = end;
        }
    }
}

/// PDF "regular characters": everything but white space and delimiters.
const fn is_regular(byte: u8) -> bool {
    !matches!(
        byte,
        b'\0'
            | b'\t'
            | b'\n'
            | b'\x0c'
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

fn active_name(raw: &[u8]) -> Option<&'static str> {
    if raw.len() > MAX_CARRIED_NAME {
        return None;
    }
    let mut name = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#'
            && let Some(byte) = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            name.push(byte);
            i += 3;
        } else {
            name.push(raw[i]);
            i += 1;
        }
    }
    ACTIVE_NAMES.into_iter().find(|active| active.as_bytes() == name.as_slice())
}

/// A document type as named in a message: as sent, or "(vide)" when blank.
fn shown_type(raw: &str) -> String {
    if raw.trim().is_empty() { "(vide)".to_owned() } else { raw.to_owned() }
}

/// The longest document file name, in characters (what file systems keep).
pub const MAX_FILE_NAME_CHARS: usize = 255;

/// A document's file name as sent: it ends up in a download's `Content-Disposition` and in the recruiters'
/// file systems, so no control character, no path separator, and not longer than a file system keeps.
pub fn check_file_name(file_name: &str) -> Result<(), DocumentProblem> {
    let name = file_name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_FILE_NAME_CHARS
        || name.chars().any(|c| c.is_control() || c == '/' || c == '\\')
    {
        return Err(DocumentProblem::NameInvalid);
    }
    Ok(())
}

/// Checks the list of document types of a submission (R20, S11): allowed types, the three required ones once
/// each, at most `max_documents`. Optional types may repeat.
///
/// ```rust
/// use seeg_domain::applications::{DocumentLimits, DocumentProblem, DocumentType, check_document_types};
///
/// let limits = DocumentLimits::default();
///
/// // The three required types, once each, plus optional ones (which may repeat): accepted, in order.
/// let types = check_document_types(&["cv", "cover_letter", "diplome", "autres", "autres"], &limits).unwrap();
/// assert_eq!(types[..3], DocumentType::REQUIRED);
/// assert_eq!(types.len(), 5);
///
/// // A required type missing: refused, naming it with its French label (K5).
/// let missing = check_document_types(&["cv", "cover_letter", "certificats"], &limits).unwrap_err();
/// assert_eq!(missing, DocumentProblem::MissingRequired(vec![DocumentType::Diplome]));
/// assert_eq!(missing.to_string(), "Documents obligatoires manquants : Diplôme");
///
/// // A required type twice: refused.
/// assert_eq!(
///     check_document_types(&["cv", "cv", "cover_letter", "diplome"], &limits),
///     Err(DocumentProblem::DuplicateRequired(vec![DocumentType::Cv]))
/// );
///
/// // A type outside the list: refused, naming it as sent.
/// assert_eq!(
///     check_document_types(&["cv", "cover_letter", "diplome", "photo"], &limits),
///     Err(DocumentProblem::TypeNotAllowed("photo".into()))
/// );
///
/// // More than ten documents (S11): refused before anything else.
/// let eleven = [["cv", "cover_letter", "diplome"].as_slice(), &["autres"; 8]].concat();
/// assert_eq!(limits.max_documents, 10);
/// assert_eq!(check_document_types(&eleven, &limits), Err(DocumentProblem::TooMany { max: 10 }));
/// ```
pub fn check_document_types(types: &[&str], limits: &DocumentLimits) -> Result<Vec<DocumentType>, DocumentProblem> {
    if types.len() > limits.max_documents {
        return Err(DocumentProblem::TooMany { max: limits.max_documents });
    }
    let unknown: Vec<String> =
        types.iter().filter(|t| DocumentType::parse_allowed(t).is_err()).map(|t| shown_type(t)).collect();
    if !unknown.is_empty() {
        return Err(DocumentProblem::TypeNotAllowed(unknown.join(", ")));
    }
    let parsed: Vec<DocumentType> = types.iter().filter_map(|t| t.trim().parse().ok()).collect();
    let count = |wanted: DocumentType| parsed.iter().filter(|t| **t == wanted).count();
    let missing: Vec<DocumentType> = DocumentType::REQUIRED.into_iter().filter(|t| count(*t) == 0).collect();
    if !missing.is_empty() {
        return Err(DocumentProblem::MissingRequired(missing));
    }
    let doubled: Vec<DocumentType> = DocumentType::REQUIRED.into_iter().filter(|t| count(*t) > 1).collect();
    if !doubled.is_empty() {
        return Err(DocumentProblem::DuplicateRequired(doubled));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(body: &str) -> Vec<u8> {
        format!("%PDF-1.7\n1 0 obj << /Type /Catalog {body} >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
    }

    fn check(bytes: &[u8], chunk: usize) -> Result<u64, DocumentProblem> {
        let mut scan = PdfScan::new();
        for part in bytes.chunks(chunk.max(1)) {
            scan.feed(part);
        }
        scan.finish("cv.PDF", &DocumentLimits::default())
    }

    #[test]
    fn a_plain_pdf_passes_whatever_the_chunking() {
        let doc = pdf("/Pages 2 0 R /JSON (not a script) /Launcher 1 /AAPL /XFAX /AcroForm << /Fields [] >> \
             /OpenAction [3 0 R /XYZ null null 0] /AA << /O << /S /GoTo /D [3 0 R /Fit] >> >>");
        for chunk in [1, 2, 3, 7, 64, 4096] {
            assert_eq!(check(&doc, chunk), Ok(doc.len() as u64), "chunk {chunk}");
        }
    }

    #[test]
    fn active_content_is_found_even_escaped_or_split_across_chunks() {
        for (body, name) in [
            ("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", "JavaScript"),
            ("/Names << /JavaScript 3 0 R >>", "JavaScript"),
            ("/AA << /O << /JS(x) >> >>", "JS"),
            ("/Next << /S /Launch /F (calc.exe) >>", "Launch"),
            ("/Names << /EmbeddedFiles << >> >>", "EmbeddedFiles"),
            ("/Type /EmbeddedFile", "EmbeddedFile"),
            ("/A << /S /SubmitForm /F (https://x) >>", "SubmitForm"),
            ("/A << /S /ImportData >>", "ImportData"),
            ("/Subtype /RichMedia", "RichMedia"),
            ("/AcroForm << /XFA 5 0 R >>", "XFA"),
            ("/A << /S /GoToR /F (other.pdf) >>", "GoToR"),
            ("/A << /S /GoToE >>", "GoToE"),
            ("/S /Java#53cript", "JavaScript"),
            ("/S /#4a#53", "JS"),
        ] {
            for chunk in [1, 2, 5, 4096] {
                assert_eq!(check(&pdf(body), chunk), Err(DocumentProblem::ActiveContent(name)), "{body} / {chunk}");
            }
        }
    }

    #[test]
    fn not_a_pdf_wrong_name_or_too_big_are_refused() {
        assert_eq!(check(b"PK\x03\x04 a zip file %%EOF", 16), Err(DocumentProblem::NotPdf));
        assert_eq!(check(b"%PDF-1.4 truncated", 16), Err(DocumentProblem::NotPdf));
        assert_eq!(check(b"", 16), Err(DocumentProblem::NotPdf));
        let mut scan = PdfScan::new();
        scan.feed(&pdf(""));
        assert_eq!(scan.finish("cv.docx", &DocumentLimits::default()), Err(DocumentProblem::NotPdfName));
        let limits = DocumentLimits { max_document_bytes: 10, ..DocumentLimits::default() };
        let mut scan = PdfScan::new();
        scan.feed(&pdf(""));
        assert_eq!(scan.finish("cv.pdf", &limits), Err(DocumentProblem::TooLarge { max_bytes: 10 }));
        assert_eq!(DocumentProblem::TooLarge { max_bytes: 10 * MIB }.to_string(), "le fichier dépasse 10 Mio");
    }

    #[test]
    fn a_trailer_followed_by_a_little_padding_still_counts() {
        let mut doc = pdf("");
        doc.extend_from_slice(&[b' '; 500]);
        assert!(check(&doc, 100).is_ok());
        doc.extend_from_slice(&[b' '; 1000]);
        assert_eq!(check(&doc, 100), Err(DocumentProblem::NotPdf));
    }

    #[test]
    fn the_three_required_types_once_each_and_optional_ones_freely() {
        let limits = DocumentLimits::default();
        let ok = check_document_types(&["cv", "cover_letter", "diplome", "autres", "autres"], &limits).unwrap();
        assert_eq!(ok.len(), 5);
        let missing = check_document_types(&["cv", "autres"], &limits).unwrap_err();
        assert_eq!(missing.to_string(), "Documents obligatoires manquants : Lettre de motivation, Diplôme");
        assert!(matches!(missing, DocumentProblem::MissingRequired(_)));
        let doubled = check_document_types(&["cv", "cv", "cover_letter", "diplome"], &limits).unwrap_err();
        assert!(matches!(doubled, DocumentProblem::DuplicateRequired(_)));
        assert_eq!(doubled.to_string(), "Documents en double détectés : CV");
        let unknown = check_document_types(&["cv", "cover_letter", "diplome", "photo", ""], &limits).unwrap_err();
        assert_eq!(unknown, DocumentProblem::TypeNotAllowed("photo, (vide)".to_owned()));
        let eleven = ["autres"; 11];
        assert_eq!(check_document_types(&eleven, &limits), Err(DocumentProblem::TooMany { max: 10 }));
    }
}
