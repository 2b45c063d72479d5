//! The `DossierRenderer` adapter: an application's dossier as a PDF, written with krilla (typst's PDF
//! writer) in Liberation Sans, embedded and subsetted so French text renders and extracts as written. The
//! `PdfInspector` adapters live here too: the deep S11 check of candidates' PDFs, in a child process
//! (`ProcessInspector`, the child running `inspect_stdin`) or in this one (`LopdfInspector`).
//!
//! The layout is a single flow of sections (candidate, offer, application, MTP answers, documents, history,
//! evaluations) on A4 or Letter pages, each with a running header and a "Page n / N" footer.

mod content;
mod fonts;
mod french;
mod inspect;
mod layout;

use chrono::{Datelike, Timelike};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use seeg_application::dossier::{Dossier, DossierError, DossierRenderer, PageSize};

use crate::fonts::Fonts;
pub use crate::inspect::{LopdfInspector, MAX_OBJECTS, ProcessInspector, active_content, inspect_stdin};
use crate::layout::{Colour, Geometry, Op};

/// Renders dossiers as PDF (see the `DossierRenderer` contract).
#[derive(Debug, Clone, Copy, Default)]
pub struct PdfDossierRenderer;

impl PdfDossierRenderer {
    pub const fn new() -> Self {
        Self
    }
}

/// The PDF's author (document information and XMP).
pub const AUTHOR: &str = "SEEG — OneHCM";

impl DossierRenderer for PdfDossierRenderer {
    fn render(&self, dossier: &Dossier) -> Result<Vec<u8>, DossierError> {
        Ok(render(dossier)?)
    }
}

fn render(dossier: &Dossier) -> anyhow::Result<Vec<u8>> {
    let fonts = Fonts::load()?;
    let (width, height) = match dossier.page_size {
        PageSize::A4 => (595.276, 841.89),
        PageSize::Letter => (612.0, 792.0),
    };
    let geometry = Geometry::new(width, height);
    let pages = content::compose(&fonts, geometry, dossier);
    let total = pages.len();

    let mut document = Document::new();
    document.set_metadata(metadata(dossier));
    for (index, ops) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(width, height)
            .ok_or_else(|| anyhow::anyhow!("invalid page size {width}×{height}"))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let footer = content::footer(&fonts, &geometry, dossier, index + 1, total);
        for op in ops.iter().chain(&footer) {
            draw(&mut surface, &fonts, op);
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|error| anyhow::anyhow!("krilla could not write the dossier: {error:?}"))
}

fn metadata(dossier: &Dossier) -> Metadata {
    let at = dossier.generated_at;
    // Calendar fields of a chrono date always fit krilla's (u16 year up to 9999, u8 for the rest).
    let narrow = |value: u32| u8::try_from(value).unwrap_or(u8::MAX);
    let created = DateTime::new(u16::try_from(at.year()).unwrap_or_default())
        .month(narrow(at.month()))
        .day(narrow(at.day()))
        .hour(narrow(at.hour()))
        .minute(narrow(at.minute()))
        .second(narrow(at.second()))
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    Metadata::new()
        .title(format!(
            "Dossier de candidature — {} — {}",
            content::candidate_name(dossier),
            french::one_line(&dossier.offer.title)
        ))
        .authors(vec![AUTHOR.to_owned()])
        .creator("SEEG recrutement".to_owned())
        .language("fr".to_owned())
        .creation_date(created)
}

fn colour(Colour(r, g, b): Colour) -> krilla::paint::Paint {
    rgb::Color::new(r, g, b).into()
}

fn draw(surface: &mut Surface<'_>, fonts: &Fonts, op: &Op) {
    match op {
        Op::Text { x, y, weight, size, colour: c, text } => {
            let face = fonts.face(*weight);
            surface.set_stroke(None);
            surface.set_fill(Some(Fill { paint: colour(*c), ..Fill::default() }));
            surface.draw_glyphs(Point::from_xy(*x, *y), &face.glyphs(text), face.font.clone(), text, *size, false);
        }
        Op::Rule { x1, x2, y, width, colour: c } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y);
            path.line_to(*x2, *y);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke { paint: colour(*c), width: *width, ..Stroke::default() }));
                surface.draw_path(&path);
                surface.set_stroke(None);
            }
        }
    }
}
