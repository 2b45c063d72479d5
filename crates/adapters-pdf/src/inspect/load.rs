//! Loading a candidate's PDF for the deep S11 check: within memory bounds, and failing closed.
//!
//! lopdf's loader is lenient: an object it cannot parse, an object stream it cannot unpack and a member of an
//! object stream it cannot parse are skipped without a word, while a PDF viewer may repair them and run what
//! they hold. So the load is held against what the document declares: every object its cross-reference data
//! lists as in use must have loaded, and every member its object streams list must parse. Otherwise the
//! document is unreadable (`NotPdf`), never clean.
//!
//! lopdf's loader does not unpack object streams here: a load filter sets them aside, and [`super::unpack`]
//! unpacks them within a budget, every member they list (a stale or duplicate one a viewer might pick too).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use lopdf::xref::XrefEntry;
use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};
use seeg_domain::applications::DocumentProblem;

use super::MAX_OBJECTS;
use super::unpack;

/// What lopdf's loader may inflate of one stream (`LoadOptions::max_decompressed_size`): the cross-reference
/// streams (under 1 MiB for `MAX_OBJECTS` objects), and the object streams it unpacks itself: all of them in an
/// encrypted document, and, in any document, one that holds a stream's indirect `/Length`. lopdf keeps the
/// objects of these last ones for the whole load, parsed (an object stream of 1 MiB can parse into some 60 MiB
/// of tiny objects) and beyond the filter's reach: the smaller this, the less each of them can cost.
const LOPDF_MAX_INFLATION: usize = 1024 * 1024;

/// The memory the objects of a document may take once parsed, as [`weight`] estimates it (the objects lopdf
/// keeps, plus the members of the object stream being unpacked): 64 MiB, and 16 bytes more per byte of the
/// document, 224 MiB for a 10 MiB upload. Scanned pages weigh about their size, thousands of small
/// dictionaries (a tagged structure tree) several times theirs. Past this the document is refused rather than
/// parsed on: one whose objects or streams overlap, so that the same bytes load many times over, or whose
/// object streams unpack into millions of tiny objects, reaches it long before the machine's memory.
fn loaded_bytes_cap(pdf: &[u8]) -> usize {
    const BASE: usize = 64 * 1024 * 1024;
    const PER_BYTE: usize = 16;
    BASE.saturating_add(pdf.len().saturating_mul(PER_BYTE))
}

/// What one parsed object takes besides its bytes: its `Object` (an array item), and as a dictionary value its
/// key and hash too.
pub(super) const NODE: usize = std::mem::size_of::<Object>() + std::mem::size_of::<Vec<u8>>() + 16;

/// A document as lopdf loaded it, with its object streams set aside, checked against its cross-reference data.
#[derive(Debug)]
pub(super) struct Loaded {
    document: Document,
    /// Every object stream: those lopdf's loader met (set aside unpacked) and those the cross-reference data
    /// names as containers.
    object_streams: BTreeMap<ObjectId, Object>,
    /// The objects the cross-reference data places in each object stream, by container number.
    placed: BTreeMap<u32, Vec<u32>>,
    /// What the members of one object stream may take, once lopdf's objects are counted.
    room: usize,
}

/// What the load filter saw. lopdf calls its filter, a plain `fn`, for each object it parsed at an offset the
/// cross-reference data gives, on the calling thread (lopdf is built without rayon): so the state lives here,
/// set up before each load and taken back after it. (With rayon, the filter would run on other threads, find
/// no room there and refuse every document: closed, not open.)
#[derive(Debug, Default)]
struct Intake {
    objects: usize,
    room: usize,
    object_streams: Vec<(ObjectId, Object)>,
}

thread_local! {
    static INTAKE: RefCell<Intake> = RefCell::new(Intake::default());
}

/// Unwinds out of lopdf's loader once a cap is reached: nothing else stops it, and it would go on parsing (and
/// copying) objects only to throw them away. `resume_unwind` skips the panic hook, so nothing is logged; the
/// `catch_unwind` around the load turns it into `NotPdf`.
#[derive(Debug)]
struct CapReached;

impl Intake {
    /// Counts and weighs `object`, and takes it when it is an object stream. `Ok(false)`: set aside.
    fn admit(&mut self, id: ObjectId, object: &mut Object) -> Result<bool, CapReached> {
        self.objects += 1;
        self.room = self.room.checked_sub(weight(object)).ok_or(CapReached)?;
        if self.objects > MAX_OBJECTS {
            return Err(CapReached);
        }
        if object.as_stream().is_ok_and(|stream| stream.dict.has_type(b"ObjStm")) {
            self.object_streams.push((id, std::mem::replace(object, Object::Null)));
            return Ok(false);
        }
        Ok(true)
    }
}

/// The load filter. lopdf keeps the object it handed over (`object`, as left here) unless this answers `None`;
/// what `Some` carries is not used for these objects.
fn admit(id: ObjectId, object: &mut Object) -> Option<(ObjectId, Object)> {
    match INTAKE.with_borrow_mut(|intake| intake.admit(id, object)) {
        Ok(true) => Some((id, Object::Null)),
        Ok(false) => None,
        Err(cap) => std::panic::resume_unwind(Box::new(cap)),
    }
}

/// Loads `pdf`: `NotPdf` when lopdf cannot, when a cap is reached, when the document stays encrypted, or when an
/// object the cross-reference data lists as in use did not load.
pub(super) fn load(pdf: &[u8]) -> Result<Loaded, DocumentProblem> {
    let cap = loaded_bytes_cap(pdf);
    INTAKE.with_borrow_mut(|intake| *intake = Intake { room: cap, ..Intake::default() });
    let options =
        LoadOptions { max_decompressed_size: Some(LOPDF_MAX_INFLATION), filter: Some(admit), ..LoadOptions::default() };
    let loaded = std::panic::catch_unwind(|| Document::load_mem_with_options(pdf, options));
    let intake = INTAKE.with_borrow_mut(std::mem::take);
    let Ok(Ok(mut document)) = loaded else {
        return Err(DocumentProblem::NotPdf);
    };
    // Still encrypted: lopdf could not decrypt it with the empty password and loaded none of its objects, so
    // nothing could be inspected (and a recruiter could not open it either).
    if document.trailer.has(b"Encrypt") {
        return Err(DocumentProblem::NotPdf);
    }
    let mut room = intake.room;
    // lopdf does not filter the objects of an encrypted document: they are counted and weighed here, once
    // loaded, for the same verdict.
    if document.encryption_state.is_some() {
        room = cap.checked_sub(document.objects.values().map(weight).sum()).ok_or(DocumentProblem::NotPdf)?;
        if document.objects.len() > MAX_OBJECTS {
            return Err(DocumentProblem::NotPdf);
        }
    }
    let encryption_dictionary = document.encryption_state.as_ref().and_then(lopdf::EncryptionState::encrypt_object_id);

    let mut object_streams: BTreeMap<ObjectId, Object> = intake.object_streams.into_iter().collect();
    let mut placed: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut in_use = Vec::new();
    for (&number, entry) in &document.reference_table.entries {
        match *entry {
            XrefEntry::Normal { generation, .. } => in_use.push((number, generation)),
            XrefEntry::Compressed { container, .. } => placed.entry(container).or_default().push(number),
            XrefEntry::Free | XrefEntry::UnusableFree => {}
        }
    }
    // An encrypted document's object streams were unpacked by lopdf: its members leave `objects`, they are
    // looked at with the rest of their object stream.
    for number in placed.values().flatten() {
        document.objects.remove(&(*number, 0));
    }
    let unpacked_by_lopdf: Vec<ObjectId> = document
        .objects
        .iter()
        .filter(|(_, object)| object.as_stream().is_ok_and(|stream| stream.dict.has_type(b"ObjStm")))
        .map(|(id, _)| *id)
        .collect();
    let containers = placed.keys().map(|&number| (number, 0));
    for id in unpacked_by_lopdf.into_iter().chain(containers) {
        if object_streams.contains_key(&id) {
            continue;
        }
        // A container the cross-reference data names must be a stream that loaded, whatever its `/Type`.
        match document.objects.remove(&id) {
            Some(object @ Object::Stream(_)) => object_streams.insert(id, object),
            _ => return Err(DocumentProblem::NotPdf),
        };
    }

    let loaded = |id: &ObjectId| {
        document.objects.contains_key(id) || object_streams.contains_key(id) || encryption_dictionary == Some(*id)
    };
    if !in_use.iter().all(loaded) {
        return Err(DocumentProblem::NotPdf);
    }
    // The catalog must be among the objects looked at. Cross-reference data that lists it nowhere (all entries
    // free, a damaged `/W`) loads nothing and so hides nothing from this check, but a viewer that cannot find the
    // catalog rebuilds the cross-reference data by scanning the file for objects, and runs what it finds there.
    let catalog = document.trailer.get(b"Root").and_then(Object::as_reference).map_err(|_| DocumentProblem::NotPdf)?;
    let in_a_stream = |id: ObjectId| id.1 == 0 && placed.values().flatten().any(|&number| number == id.0);
    // A catalog without a page tree that loaded is one a viewer does not use: it rebuilds the cross-reference data
    // by scanning the file (pdf.js, Acrobat) and takes every object it finds, listed or not, with a catalog of
    // their own and the script it opens. Such a file is read only when it holds no object beyond those looked at.
    let usable = match document.objects.get(&catalog) {
        Some(catalog_object) => {
            let pages = catalog_object.as_dict().and_then(|d| d.get(b"Pages")).and_then(Object::as_reference);
            pages.is_ok_and(|pages| match document.objects.get(&pages) {
                Some(tree) => tree.as_dict().and_then(|d| d.get(b"Count")).and_then(Object::as_i64).is_ok(),
                None => in_a_stream(pages),
            })
        }
        None => in_a_stream(catalog),
    };
    if !usable {
        let looked_at =
            |id: &ObjectId| document.objects.contains_key(id) || object_streams.contains_key(id) || in_a_stream(*id);
        if !looked_at(&catalog) || !object_headers(pdf).iter().all(looked_at) {
            return Err(DocumentProblem::NotPdf);
        }
    }
    Ok(Loaded { document, object_streams, placed, room })
}

/// Every `N G obj` header in the file's bytes, as a viewer rebuilding the cross-reference data finds them.
fn object_headers(pdf: &[u8]) -> Vec<ObjectId> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = pdf.get(from..).and_then(|rest| rest.windows(3).position(|w| w == b"obj")).map(|p| p + from) {
        from = at + 3;
        if pdf.get(at + 3).is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let before = &pdf[..at];
        let digits_back = |end: usize| {
            let start = before[..end].iter().rposition(|b| !b.is_ascii_digit()).map_or(0, |p| p + 1);
            (start < end).then_some(start)
        };
        let blank_back = |end: usize| {
            let start = before[..end].iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |p| p + 1);
            (start < end).then_some(start)
        };
        let shape = blank_back(at).and_then(|g_end| {
            let g_start = digits_back(g_end)?;
            let n_end = blank_back(g_start)?;
            Some((digits_back(n_end)?, n_end, g_start, g_end))
        });
        let Some((n_start, n_end, g_start, g_end)) = shape else { continue };
        let number = std::str::from_utf8(&before[n_start..n_end]).ok().and_then(|n| n.parse().ok());
        let generation = std::str::from_utf8(&before[g_start..g_end]).ok().and_then(|g| g.parse().ok());
        // A header whose numbers are past their range is not one the check looked at either.
        found.push(number.zip(generation).unwrap_or((u32::MAX, u16::MAX)));
    }
    found
}

impl Loaded {
    /// Hands every object to `inspect`: the loaded ones, each object stream's dictionary and members, and the
    /// trailer. `NotPdf` when an object stream cannot be unpacked within the budget, when a member cannot be
    /// parsed or one the cross-reference data places there is missing, or past `MAX_OBJECTS`.
    pub(super) fn each_object(
        self,
        mut inspect: impl FnMut(&Object) -> Result<(), DocumentProblem>,
    ) -> Result<(), DocumentProblem> {
        for object in self.document.objects.values() {
            inspect(object)?;
        }
        let mut count = self.document.objects.len() + self.object_streams.len();
        let mut inflation = unpack::MAX_OBJECT_STREAMS_INFLATION;
        for ((number, _), container) in &self.object_streams {
            inspect(container)?;
            let Object::Stream(stream) = container else {
                return Err(DocumentProblem::NotPdf);
            };
            let unpacked = unpack::unpack(stream, &mut inflation, self.room).ok_or(DocumentProblem::NotPdf)?;
            count += unpacked.numbers.len();
            let listed: BTreeSet<u32> = unpacked.numbers.iter().copied().collect();
            let placed = self.placed.get(number).map_or(&[][..], Vec::as_slice);
            if count > MAX_OBJECTS || !placed.iter().all(|number| listed.contains(number)) {
                return Err(DocumentProblem::NotPdf);
            }
            for member in &unpacked.members {
                inspect(member)?;
            }
        }
        inspect(&Object::Dictionary(self.document.trailer))
    }
}

/// An estimate of the memory `object` takes once parsed: a [`NODE`] per object, plus the bytes of its names,
/// strings and stream data.
pub(super) fn weight(object: &Object) -> usize {
    NODE + match object {
        Object::Name(bytes) | Object::String(bytes, _) => bytes.len(),
        Object::Array(items) => items.iter().map(weight).sum(),
        Object::Dictionary(dict) => dictionary_weight(dict),
        Object::Stream(stream) => dictionary_weight(&stream.dict) + stream.content.len(),
        _ => 0,
    }
}

fn dictionary_weight(dict: &Dictionary) -> usize {
    dict.iter().map(|(key, value)| key.len() + weight(value)).sum()
}
