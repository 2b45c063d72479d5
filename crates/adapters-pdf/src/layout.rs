//! A small flow layout: text is wrapped to the column, lines go down the page, and a line that does not fit
//! starts a new page. Pages are composed as lists of drawing operations first and drawn at the end, once
//! their number is known ("Page n / N").

use crate::fonts::{Fonts, Weight};

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub u8, pub u8, pub u8);

pub const INK: Colour = Colour(0x1f, 0x29, 0x37);
pub const MUTED: Colour = Colour(0x5b, 0x65, 0x73);
pub const ACCENT: Colour = Colour(0x00, 0x4b, 0x8d);
pub const RULE: Colour = Colour(0xc8, 0xcf, 0xd8);

/// One thing drawn on a page. `y` is the baseline of a text, the axis of a rule; the origin is the top left.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text { x: f32, y: f32, weight: Weight, size: f32, colour: Colour, text: String },
    Rule { x1: f32, x2: f32, y: f32, width: f32, colour: Colour },
}

/// The page and its margins, in points.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    /// Where the flow starts, below the running header.
    pub top: f32,
    /// Where the flow must stop, above the footer.
    pub bottom: f32,
}

impl Geometry {
    pub fn new(width: f32, height: f32) -> Self {
        Self { width, height, margin: 56.0, top: 74.0, bottom: height - 58.0 }
    }

    pub fn left(&self) -> f32 {
        self.margin
    }

    pub fn right(&self) -> f32 {
        self.width - self.margin
    }
}

/// A style of text: face, size, colour, and the distance from one baseline to the next.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub weight: Weight,
    pub size: f32,
    pub colour: Colour,
}

impl Style {
    pub const fn new(weight: Weight, size: f32, colour: Colour) -> Self {
        Self { weight, size, colour }
    }

    pub fn leading(self) -> f32 {
        self.size * 1.35
    }
}

/// Draws what every page carries above the flow.
type RunningHeader<'f> = Box<dyn Fn(&Fonts, &Geometry) -> Vec<Op> + 'f>;

/// Lays the flow out page by page.
pub struct Composer<'f> {
    fonts: &'f Fonts,
    pub geometry: Geometry,
    pages: Vec<Vec<Op>>,
    /// The top of the next line.
    y: f32,
    running_header: RunningHeader<'f>,
}

impl<'f> Composer<'f> {
    pub fn new(
        fonts: &'f Fonts,
        geometry: Geometry,
        running_header: impl Fn(&Fonts, &Geometry) -> Vec<Op> + 'f,
    ) -> Self {
        let mut composer =
            Self { fonts, geometry, pages: Vec::new(), y: geometry.top, running_header: Box::new(running_header) };
        composer.new_page();
        composer
    }

    fn new_page(&mut self) {
        self.pages.push((self.running_header)(self.fonts, &self.geometry));
        self.y = self.geometry.top;
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > self.geometry.bottom && self.y > self.geometry.top {
            self.new_page();
        }
    }

    /// Vertical space; none at the top of a page.
    pub fn gap(&mut self, height: f32) {
        if self.y > self.geometry.top {
            self.y = (self.y + height).min(self.geometry.bottom);
        }
    }

    /// One line of text at `x`, already known to fit.
    fn line(&mut self, x: f32, text: String, style: Style) {
        self.ensure(style.leading());
        let baseline = self.y + style.size;
        if !text.is_empty() {
            self.page().push(Op::Text {
                x,
                y: baseline,
                weight: style.weight,
                size: style.size,
                colour: style.colour,
                text,
            });
        }
        self.y += style.leading();
    }

    /// A paragraph wrapped to the column from `indent` to the right margin.
    pub fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        let x = self.geometry.left() + indent;
        let width = self.geometry.right() - x;
        for line in wrap(self.fonts, text, style, width) {
            self.line(x, line, style);
        }
    }

    /// A section heading with a rule under it, kept with the first lines that follow it.
    pub fn heading(&mut self, text: &str, style: Style) {
        self.gap(14.0);
        self.ensure(style.leading() + 40.0);
        self.paragraph(text, style, 0.0);
        let (x1, x2, y) = (self.geometry.left(), self.geometry.right(), self.y - style.size * 0.15);
        self.page().push(Op::Rule { x1, x2, y, width: 0.8, colour: ACCENT });
        self.y += 6.0;
    }

    /// A sub-heading, kept with the first lines that follow it.
    pub fn subheading(&mut self, text: &str, style: Style) {
        self.gap(6.0);
        self.ensure(style.leading() + 28.0);
        self.paragraph(text, style, 0.0);
        self.y += 2.0;
    }

    /// A label in the left column and its value wrapped in the right one, line by line so a long value
    /// continues on the next page.
    pub fn field(&mut self, label: &str, label_style: Style, value: &str, value_style: Style, label_width: f32) {
        let left = self.geometry.left();
        let value_x = left + label_width;
        let labels = wrap(self.fonts, label, label_style, label_width - 8.0);
        let values = wrap(self.fonts, value, value_style, self.geometry.right() - value_x);
        let leading = label_style.leading().max(value_style.leading());
        for row in 0..labels.len().max(values.len()) {
            self.ensure(leading);
            let top = self.y;
            if let Some(text) = labels.get(row) {
                self.line(left, text.clone(), label_style);
                self.y = top;
            }
            if let Some(text) = values.get(row) {
                self.line(value_x, text.clone(), value_style);
            }
            self.y = top + leading;
        }
    }

    /// A thin rule across the column.
    pub fn separator(&mut self) {
        self.gap(3.0);
        self.ensure(6.0);
        let (x1, x2, y) = (self.geometry.left(), self.geometry.right(), self.y);
        self.page().push(Op::Rule { x1, x2, y, width: 0.4, colour: RULE });
        self.y += 5.0;
    }

    pub fn finish(self) -> Vec<Vec<Op>> {
        self.pages
    }
}

/// The longest prefix of `text` (whole characters) that fits in `width`, with "…" when cut.
pub fn truncate(fonts: &Fonts, text: &str, style: Style, width: f32) -> String {
    let face = fonts.face(style.weight);
    if face.width(text, style.size) <= width {
        return text.to_owned();
    }
    let mut kept = String::new();
    for c in text.chars() {
        kept.push(c);
        if face.width(&kept, style.size) + face.width("…", style.size) > width {
            kept.pop();
            break;
        }
    }
    format!("{}…", kept.trim_end())
}

/// Breaks `text` into lines no wider than `width`: at spaces where possible, inside a word only when the word
/// alone is wider than the column. Line breaks in the text are kept (a blank line stays blank).
pub fn wrap(fonts: &Fonts, text: &str, style: Style, width: f32) -> Vec<String> {
    let face = fonts.face(style.weight);
    let measure = |s: &str| face.width(s, style.size);
    let space = measure(" ");
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let (mut line, mut used) = (String::new(), 0.0_f32);
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let word_width = measure(word);
            let needed = if line.is_empty() { word_width } else { used + space + word_width };
            if needed <= width {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                used = needed;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
            }
            if word_width <= width {
                line.push_str(word);
                used = word_width;
                continue;
            }
            for c in word.chars() {
                let advance = measure(c.encode_utf8(&mut [0; 4]));
                if used + advance > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    used = 0.0;
                }
                line.push(c);
                used += advance;
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: Style = Style::new(Weight::Regular, 10.0, INK);

    #[test]
    fn wrapped_lines_fit_keep_every_word_and_keep_line_breaks() {
        let fonts = Fonts::load().unwrap();
        let text = "Je souhaite contribuer à l'électrification des quartiers périphériques de Libreville.\n\nDeux";
        let lines = wrap(&fonts, text, BODY, 150.0);
        assert!(lines.len() > 3, "{lines:?}");
        for line in &lines {
            assert!(fonts.face(Weight::Regular).width(line, 10.0) <= 150.0, "{line}");
        }
        assert_eq!(lines[lines.len() - 2], "", "the blank line is kept");
        assert_eq!(lines.join(" ").split_whitespace().collect::<Vec<_>>(), text.split_whitespace().collect::<Vec<_>>());
    }

    #[test]
    fn a_word_wider_than_the_column_is_broken_not_cut() {
        let fonts = Fonts::load().unwrap();
        let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let lines = wrap(&fonts, sha, BODY, 80.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), sha);
    }

    #[test]
    fn truncation_marks_the_cut() {
        let fonts = Fonts::load().unwrap();
        assert_eq!(truncate(&fonts, "Court", BODY, 200.0), "Court");
        let cut = truncate(&fonts, "Un intitulé de poste bien trop long pour la place", BODY, 80.0);
        assert!(cut.ends_with('…') && cut.len() < 40, "{cut}");
    }

    #[test]
    fn a_flow_longer_than_a_page_continues_on_the_next_within_the_margins() {
        let fonts = Fonts::load().unwrap();
        let geometry = Geometry::new(595.0, 842.0);
        let mut composer = Composer::new(&fonts, geometry, |_, _| Vec::new());
        for n in 0..120 {
            composer.paragraph(&format!("Ligne numéro {n}"), BODY, 0.0);
        }
        let pages = composer.finish();
        assert!(pages.len() >= 2);
        let mut seen = 0;
        for op in pages.iter().flatten() {
            if let Op::Text { y, text, .. } = op {
                assert!(*y > geometry.top && *y <= geometry.bottom, "{text} at {y}");
                seen += 1;
            }
        }
        assert_eq!(seen, 120);
    }
}
