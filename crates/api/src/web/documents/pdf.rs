//! A document as a PDF: A4 pages laid out here (text wrapped by the font's own advances), drawn by
//! krilla with the DejaVu fonts embedded (subset), black on white. Every page carries the
//! document's reference, its number out of the total, and the banner (draft, void) when there is
//! one. The content is the HTML page's, block for block.

use std::sync::OnceLock;

use krilla::Document as Pdf;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};
use vigie_app::documents::{Block, Document};

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 51.0;
const TOP: f32 = 70.0;
const BOTTOM: f32 = PAGE_H - 62.0;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN_X;
const BODY: f32 = 9.5;
const SMALL: f32 = 8.5;

/// A font with what layout needs: its advances.
struct Face {
    face: ttf_parser::Face<'static>,
    font: Font,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Self {
        Self {
            face: ttf_parser::Face::parse(bytes, 0).expect("embedded font parses"),
            font: Font::new(bytes.to_vec().into(), 0).expect("embedded font loads"),
        }
    }

    /// The width of `text` at `size`, in points.
    fn width(&self, text: &str, size: f32) -> f32 {
        let upem = f32::from(self.face.units_per_em());
        let units: f32 = text
            .chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .map_or(upem / 2.0, f32::from)
            })
            .sum();
        units * size / upem
    }
}

fn faces() -> &'static (Face, Face) {
    static F: OnceLock<(Face, Face)> = OnceLock::new();
    F.get_or_init(|| (Face::load(REGULAR), Face::load(BOLD)))
}

/// Splits `text` into lines no wider than `width` (words too long for a line are cut).
fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = vec![];
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line (a hash, a URL): cut it.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if face.width(&piece, size) > width {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// What a page holds, positioned: text runs and rules.
#[derive(Default)]
struct PageOps {
    texts: Vec<(f32, f32, bool, f32, String)>,
    rules: Vec<(f32, f32, f32, f32)>,
}

/// The pages as they fill, top to bottom.
struct Layout<'a> {
    faces: &'a (Face, Face),
    pages: Vec<PageOps>,
    y: f32,
}

impl Layout<'_> {
    fn face(&self, bold: bool) -> &Face {
        if bold { &self.faces.1 } else { &self.faces.0 }
    }

    fn page(&mut self) -> &mut PageOps {
        self.pages.last_mut().expect("a page")
    }

    fn new_page(&mut self) {
        self.pages.push(PageOps::default());
        self.y = TOP;
    }

    /// Makes room for `height` points, on a new page if this one is full.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, bold: bool, size: f32, text: &str) {
        let y = self.y + size;
        self.page().texts.push((x, y, bold, size, text.to_owned()));
    }

    /// A wrapped paragraph at `x`, `width` wide; returns nothing, moves the cursor.
    fn paragraph(&mut self, x: f32, width: f32, bold: bool, size: f32, text: &str) {
        let lead = size * 1.35;
        for line in wrap(self.face(bold), text, size, width) {
            self.room(lead);
            self.text(x, bold, size, &line);
            self.y += lead;
        }
    }

    /// A section heading, kept on the page of what follows it (`keep` points of it).
    fn heading(&mut self, text: &str, keep: f32) {
        self.room(27.0 + keep);
        self.y += 8.0;
        self.text(MARGIN_X, true, 11.5, text);
        self.y += 15.0;
        let y = self.y;
        self.page().rules.push((MARGIN_X, y, MARGIN_X + WIDTH, y));
        self.y += 4.0;
    }

    fn fields(&mut self, fields: &[(String, String)]) {
        let label_w = 140.0;
        for (k, v) in fields {
            let lead = BODY * 1.35;
            let labels = wrap(self.face(true), k, BODY, label_w - 6.0);
            let values = wrap(self.face(false), v, BODY, WIDTH - label_w);
            let n = labels.len().max(values.len());
            for i in 0..n {
                self.room(lead);
                if let Some(l) = labels.get(i) {
                    self.text(MARGIN_X, true, BODY, l);
                }
                if let Some(l) = values.get(i) {
                    self.text(MARGIN_X + label_w, false, BODY, l);
                }
                self.y += lead;
            }
            self.y += 1.5;
        }
    }

    fn table(&mut self, columns: &[String], rows: &[Vec<String>]) {
        let size = SMALL;
        let lead = size * 1.3;
        let pad = 3.0;
        let widths = self.column_widths(columns, rows, size, pad);
        let row_lines = |l: &Layout, cells: &[String], bold: bool| -> Vec<Vec<String>> {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| wrap(l.face(bold), c, size, w - 2.0 * pad))
                .collect()
        };
        let header = row_lines(self, columns, true);
        let draw_row = |l: &mut Layout, cells: &[Vec<String>], bold: bool| {
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            #[allow(clippy::cast_precision_loss)]
            let height = n as f32 * lead + 2.0 * pad;
            let top = l.y;
            let mut x = MARGIN_X;
            for (lines, w) in cells.iter().zip(&widths) {
                for (i, line) in lines.iter().enumerate() {
                    #[allow(clippy::cast_precision_loss)]
                    let y = top + pad + i as f32 * lead;
                    l.page()
                        .texts
                        .push((x + pad, y + size, bold, size, line.clone()));
                }
                l.page().rules.push((x, top, x, top + height));
                x += w;
            }
            let page = l.page();
            page.rules.push((x, top, x, top + height));
            page.rules.push((MARGIN_X, top, MARGIN_X + WIDTH, top));
            page.rules
                .push((MARGIN_X, top + height, MARGIN_X + WIDTH, top + height));
            l.y = top + height;
        };
        let height_of = |cells: &[Vec<String>]| {
            #[allow(clippy::cast_precision_loss)]
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32;
            n * lead + 2.0 * pad
        };
        self.room(height_of(&header) + lead * 2.0);
        draw_row(self, &header, true);
        for r in rows {
            let cells = row_lines(self, r, false);
            if self.y + height_of(&cells) > BOTTOM {
                // The header again at the top of the next page.
                self.new_page();
                draw_row(self, &header, true);
            }
            draw_row(self, &cells, false);
        }
        self.y += 4.0;
    }

    /// Column widths: each at least as wide as its longest word (a number, a date) so that none is
    /// cut, then the rest shared by how much text each column holds.
    fn column_widths(
        &self,
        columns: &[String],
        rows: &[Vec<String>],
        size: f32,
        pad: f32,
    ) -> Vec<f32> {
        let cells = |i: usize| {
            std::iter::once((&columns[i], true)).chain(
                rows.iter()
                    .filter_map(move |r| r.get(i).map(|c| (c, false))),
            )
        };
        let mut min: Vec<f32> = (0..columns.len())
            .map(|i| {
                cells(i)
                    .flat_map(|(c, bold)| c.split_whitespace().map(move |w| (w, bold)))
                    .map(|(w, bold)| self.face(bold).width(w, size))
                    .fold(0.0_f32, f32::max)
                    .min(WIDTH * 0.3)
                    + 2.0 * pad
                    + 1.0
            })
            .collect();
        let sum: f32 = min.iter().sum();
        if sum > WIDTH {
            for m in &mut min {
                *m *= WIDTH / sum;
            }
            return min;
        }
        #[allow(clippy::cast_precision_loss)]
        let weights: Vec<f32> = (0..columns.len())
            .map(|i| {
                cells(i)
                    .map(|(c, _)| c.chars().count().min(400))
                    .sum::<usize>()
                    .max(1) as f32
            })
            .collect();
        let total: f32 = weights.iter().sum();
        let extra = WIDTH - sum;
        min.iter()
            .zip(&weights)
            .map(|(m, w)| m + extra * w / total)
            .collect()
    }

    fn signature(&mut self, lines: &[String]) {
        self.room(lines.len() as f32 * BODY * 1.35 + 90.0);
        for l in lines {
            self.paragraph(MARGIN_X, WIDTH, false, BODY, l);
        }
        self.y += 6.0;
        let (x0, y0, x1, y1) = (MARGIN_X, self.y, MARGIN_X + 200.0, self.y + 70.0);
        let page = self.page();
        page.rules.extend([
            (x0, y0, x1, y0),
            (x1, y0, x1, y1),
            (x1, y1, x0, y1),
            (x0, y1, x0, y0),
        ]);
        self.y = y1 + 6.0;
    }
}

fn lay_out(doc: &Document) -> Vec<PageOps> {
    let mut l = Layout {
        faces: faces(),
        pages: vec![],
        y: TOP,
    };
    l.new_page();
    l.paragraph(MARGIN_X, WIDTH, true, 15.0, &doc.title);
    l.y += 6.0;
    for s in &doc.sections {
        // A heading never ends a page alone: it needs room for the start of its first block.
        let keep = match s.blocks.first() {
            #[allow(clippy::cast_precision_loss)]
            Some(Block::Signature(lines)) => lines.len() as f32 * BODY * 1.35 + 90.0,
            Some(Block::Table { .. }) => 40.0,
            _ => 26.0,
        };
        l.heading(&s.heading, keep);
        for b in &s.blocks {
            match b {
                Block::Paragraph(t) => {
                    l.paragraph(MARGIN_X, WIDTH, false, BODY, t);
                    l.y += 3.0;
                }
                Block::Fields(f) => l.fields(f),
                Block::Table { columns, rows } => l.table(columns, rows),
                Block::Signature(lines) => l.signature(lines),
            }
        }
    }
    l.pages
}

/// How many pages the PDF of `doc` has.
pub fn page_count(doc: &Document) -> usize {
    lay_out(doc).len()
}

/// The PDF of `doc`.
pub fn render(doc: &Document) -> Result<Vec<u8>, String> {
    let (regular, bold) = faces();
    let pages = lay_out(doc);
    let total = pages.len();
    let mut pdf = Pdf::new();
    pdf.set_metadata(
        krilla::metadata::Metadata::new()
            .title(format!("{} — {}", doc.title, doc.reference))
            .creator("Vigie".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("page size")?;
    for (i, ops) in pages.into_iter().enumerate() {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut put = |x: f32, y: f32, b: bool, size: f32, text: &str| {
            let font = if b {
                bold.font.clone()
            } else {
                regular.font.clone()
            };
            surface.draw_text(
                Point::from_xy(x, y),
                font,
                size,
                text,
                false,
                TextDirection::Auto,
            );
        };
        // Header and footer: the reference, the page out of the total, the banner.
        put(MARGIN_X, 34.0, false, 8.0, &doc.reference);
        if let Some(b) = &doc.banner {
            let w = bold.width(b, 10.5);
            put((PAGE_W - w) / 2.0, 52.0, true, 10.5, b);
        }
        let number = format!("Page {} / {total}", i + 1);
        let w = regular.width(&number, 8.0);
        put(MARGIN_X, PAGE_H - 30.0, false, 8.0, &doc.reference);
        put(PAGE_W - MARGIN_X - w, PAGE_H - 30.0, false, 8.0, &number);
        for (x, y, b, size, text) in &ops.texts {
            put(*x, *y, *b, *size, text);
        }
        surface.set_stroke(Some(Stroke {
            width: 0.6,
            ..Default::default()
        }));
        for (x0, y0, x1, y1) in &ops.rules {
            let mut pb = PathBuilder::new();
            pb.move_to(*x0, *y0);
            pb.line_to(*x1, *y1);
            if let Some(path) = pb.finish() {
                surface.draw_path(&path);
            }
        }
        if doc.banner.is_some() {
            let mut pb = PathBuilder::new();
            pb.push_rect(
                krilla::geom::Rect::from_xywh(MARGIN_X, 40.0, WIDTH, 17.0).ok_or("banner box")?,
            );
            if let Some(path) = pb.finish() {
                surface.draw_path(&path);
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_and_keep_every_character() {
        let (regular, _) = faces();
        let text = "Occupation du hall B par un groupe de six personnes ; refus de quitter les lieux. \
                    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let lines = wrap(regular, text, BODY, 200.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(regular.width(l, BODY) <= 200.0, "{l}");
        }
        let joined: String = lines
            .concat()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let original: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(joined, original);
    }
}
