//! The two faces the dossier uses, embedded in the binary (Liberation Sans, SIL OFL 1.1: `assets/`). krilla
//! subsets them into each PDF with a ToUnicode map, so every character a reader extracts is the one written.
//!
//! Glyphs are placed from the font's own advances (no shaping): the width measured to wrap a line is exactly
//! the width drawn, so a wrapped line never runs past the margin. Latin text needs nothing more; kerning is
//! the only thing given up.

use std::ops::Range;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

static REGULAR: &[u8] = include_bytes!("../assets/LiberationSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../assets/LiberationSans-Bold.ttf");

/// Which face a text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// A face: krilla's handle for drawing, and the bytes skrifa reads the metrics from.
pub struct Face {
    pub font: Font,
    data: &'static [u8],
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> anyhow::Result<Self> {
        let font = Font::new(data.into(), 0).ok_or_else(|| anyhow::anyhow!("embedded font unreadable"))?;
        let reader = FontRef::from_index(data, 0)?;
        let units_per_em = f32::from(reader.metrics(Size::unscaled(), LocationRef::default()).units_per_em);
        Ok(Self { font, data, units_per_em })
    }

    /// The glyphs of `text`, one per character, with advances in em and the byte range each one stands for.
    pub fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let Ok(reader) = FontRef::from_index(self.data, 0) else { return Vec::new() };
        let charmap = reader.charmap();
        let metrics = reader.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.char_indices()
            .map(|(start, c)| {
                let id = charmap.map(c).unwrap_or_default();
                let advance = metrics.advance_width(id).unwrap_or_default() / self.units_per_em;
                let range: Range<usize> = start..start + c.len_utf8();
                KrillaGlyph::new(GlyphId::new(id.to_u32()), advance, 0.0, 0.0, 0.0, range, None)
            })
            .collect()
    }

    /// The width of `text` set at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(reader) = FontRef::from_index(self.data, 0) else { return 0.0 };
        let charmap = reader.charmap();
        let metrics = reader.glyph_metrics(Size::unscaled(), LocationRef::default());
        let units: f32 =
            text.chars().map(|c| metrics.advance_width(charmap.map(c).unwrap_or_default()).unwrap_or_default()).sum();
        units / self.units_per_em * size
    }

    /// Whether the face has a glyph for `c` (otherwise it draws the placeholder glyph).
    #[cfg(test)]
    pub fn covers(&self, c: char) -> bool {
        FontRef::from_index(self.data, 0).is_ok_and(|reader| reader.charmap().map(c).is_some())
    }
}

/// Both faces.
pub struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub fn load() -> anyhow::Result<Self> {
        Ok(Self { regular: Face::load(REGULAR)?, bold: Face::load(BOLD)? })
    }

    pub fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_draw_french_text_and_the_signs_the_dossier_uses() {
        let fonts = Fonts::load().unwrap();
        for weight in [Weight::Regular, Weight::Bold] {
            let face = fonts.face(weight);
            for c in "éèêëàâîïôöùûüçœæÉÈÀÇŒÆ«»€–—’→·…ÿŸ".chars() {
                assert!(face.covers(c), "{weight:?} lacks {c}");
            }
        }
    }

    #[test]
    fn the_width_measured_is_the_sum_of_the_advances_drawn() {
        let fonts = Fonts::load().unwrap();
        let face = fonts.face(Weight::Regular);
        let text = "Électricité « œuvre » 12 €";
        let drawn: f32 = face.glyphs(text).iter().map(|g| krilla::text::Glyph::x_advance(g, 10.0)).sum();
        assert!((face.width(text, 10.0) - drawn).abs() < 1e-3);
        assert!(face.width("WWW", 10.0) > face.width("iii", 10.0));
        assert!(fonts.face(Weight::Bold).width(text, 10.0) > face.width(text, 10.0));
    }
}
