//! A document as a printable HTML page: A4, black on white, the reference and the page number in
//! the page margins, the banner (draft, void) repeated on every printed page.

use vigie_app::documents::{Block, Document};

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// A CSS string literal (for the page margin boxes).
fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            // `<` cannot close the style element when escaped this way.
            '<' => out.push_str("\\3c "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub fn render(doc: &Document) -> String {
    let mut body = String::new();
    if let Some(b) = &doc.banner {
        body.push_str(&format!("<div class=\"banner\">{}</div>\n", esc(b)));
    }
    body.push_str(&format!(
        "<header><p class=\"reference\">{}</p><h1>{}</h1></header>\n",
        esc(&doc.reference),
        esc(&doc.title)
    ));
    for s in &doc.sections {
        body.push_str(&format!("<section><h2>{}</h2>\n", esc(&s.heading)));
        for b in &s.blocks {
            match b {
                Block::Paragraph(t) => {
                    for para in t.split("\n\n") {
                        body.push_str(&format!("<p>{}</p>\n", esc(para).replace('\n', "<br>")));
                    }
                }
                Block::Fields(fields) => {
                    body.push_str("<dl>\n");
                    for (k, v) in fields {
                        body.push_str(&format!("<dt>{}</dt><dd>{}</dd>\n", esc(k), esc(v)));
                    }
                    body.push_str("</dl>\n");
                }
                Block::Table { columns, rows } => {
                    body.push_str("<table><thead><tr>");
                    for c in columns {
                        body.push_str(&format!("<th>{}</th>", esc(c)));
                    }
                    body.push_str("</tr></thead><tbody>\n");
                    for r in rows {
                        body.push_str("<tr>");
                        for cell in r {
                            body.push_str(&format!("<td>{}</td>", esc(cell)));
                        }
                        body.push_str("</tr>\n");
                    }
                    body.push_str("</tbody></table>\n");
                }
                Block::Signature(lines) => {
                    body.push_str("<div class=\"signature\">");
                    for l in lines {
                        body.push_str(&format!("<p>{}</p>", esc(l)));
                    }
                    body.push_str("<div class=\"sign-here\"></div></div>\n");
                }
            }
        }
        body.push_str("</section>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">\
<title>{title} — {reference}</title>\
<meta name=\"vigie-wording-version\" content=\"{wording}\">\
<style>\
@page {{ size: A4; margin: 20mm 18mm 22mm 18mm; \
@top-left {{ content: {ref_css}; font-size: 8pt; }} \
@bottom-right {{ content: \"Page \" counter(page) \" / \" counter(pages); font-size: 8pt; }} \
@bottom-left {{ content: {ref_css}; font-size: 8pt; }} }}\
body {{ font-family: \"DejaVu Sans\", Arial, sans-serif; font-size: 10pt; color: #000; background: #fff; \
max-width: 180mm; margin: 0 auto; line-height: 1.35; }}\
h1 {{ font-size: 15pt; margin: 4pt 0 10pt; }} h2 {{ font-size: 11.5pt; margin: 12pt 0 4pt; \
border-bottom: 0.5pt solid #000; page-break-after: avoid; }}\
.reference {{ font-size: 8.5pt; margin: 0; }}\
.banner {{ border: 2pt solid #000; font-weight: bold; text-align: center; padding: 3pt; margin-bottom: 6pt; }}\
@media print {{ .banner {{ position: fixed; top: 0; left: 0; right: 0; }} header {{ margin-top: 24pt; }} }}\
dl {{ display: grid; grid-template-columns: 50mm 1fr; gap: 2pt 8pt; margin: 4pt 0; }}\
dt {{ font-weight: bold; }} dd {{ margin: 0; }}\
table {{ border-collapse: collapse; width: 100%; margin: 4pt 0; font-size: 9pt; }}\
th, td {{ border: 0.5pt solid #000; padding: 2pt 4pt; text-align: left; vertical-align: top; }}\
th {{ font-weight: bold; }} tr {{ page-break-inside: avoid; }}\
.signature {{ margin-top: 8pt; page-break-inside: avoid; }}\
.sign-here {{ border: 0.5pt solid #000; width: 70mm; height: 25mm; margin-top: 4pt; }}\
</style></head><body>\n{body}</body></html>\n",
        title = esc(&doc.title),
        reference = esc(&doc.reference),
        wording = esc(&doc.wording_version),
        ref_css = css_string(&doc.reference),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_app::documents::Section;

    #[test]
    fn every_text_is_escaped_and_the_reference_cannot_close_the_style() {
        let doc = Document {
            reference: "PV </style><script>x</script>".into(),
            title: "Titre & <b>".into(),
            banner: Some("PROJET".into()),
            sections: vec![Section {
                heading: "Faits".into(),
                blocks: vec![
                    Block::Paragraph("<img src=x onerror=alert(1)>".into()),
                    Block::Table {
                        columns: vec!["a".into()],
                        rows: vec![vec!["<td>".into()]],
                    },
                ],
            }],
            wording_version: "v".into(),
            file_name: "f".into(),
        };
        let html = render(&doc);
        assert!(!html.contains("<script>") && !html.contains("<img"));
        assert!(!html.contains("</style><script>"));
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("<div class=\"banner\">PROJET</div>"));
    }
}
