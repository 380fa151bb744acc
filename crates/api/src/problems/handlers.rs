//! The catalogue's pages: public (no token), cacheable, the same for every caller.

use actix_web::http::header::{self, Accept, Header as _};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_app::problems::{self, ProblemType};

use crate::error::{ApiError, ApiResult, Problem};

/// What a problem code means and how to get past it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "precondition_failed", "statuses": [412],
    "meaning": "The record changed since you read it (`If-Match` does not match its `ETag`).",
    "fix": "Read it again, reapply your change, and send the new `ETag`."}))]
pub struct ProblemTypeDoc {
    #[schema(max_length = 64, example = "precondition_failed")]
    pub code: &'static str,
    /// The HTTP statuses this code comes with.
    #[schema(max_items = 16)]
    pub statuses: &'static [u16],
    #[schema(max_length = 1000)]
    pub meaning: &'static str,
    #[schema(max_length = 1000)]
    pub fix: &'static str,
}

impl From<&'static ProblemType> for ProblemTypeDoc {
    fn from(p: &'static ProblemType) -> Self {
        Self {
            code: p.code,
            statuses: p.statuses,
            meaning: p.meaning,
            fix: p.fix,
        }
    }
}

/// The catalogue changes only with a release: let clients and proxies keep it an hour.
const CACHE: &str = "public, max-age=3600";

/// Whether the client prefers HTML (a browser following a `type` URI) to JSON.
fn wants_html(req: &HttpRequest) -> bool {
    let Ok(accept) = Accept::parse(req) else {
        return false;
    };
    let rank = |essence: &str| {
        accept
            .iter()
            .filter(|q| q.item.essence_str() == essence)
            .map(|q| q.quality)
            .max()
    };
    match (rank("text/html"), rank("application/json")) {
        (Some(html), Some(json)) => html > json,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Every problem code
///
/// The stable codes a problem's `code` (and the last segment of its `type` URI) can take, each with
/// its meaning and what to do. HTML when the client asks for it (`Accept: text/html`).
#[utoipa::path(tag = "problems", operation_id = "listProblemTypes",
    responses((status = 200, description = "The catalogue, JSON or HTML",
        headers(("Cache-Control" = String, description = "Kept an hour")),
        content((Vec<ProblemTypeDoc> = "application/json"), (String = "text/html"))),
        (status = 400, description = "`nul_character`: the path or query holds %00", body = Problem, content_type = "application/problem+json")),
    security(()))]
#[get("/problems")]
pub async fn list_problem_types(req: HttpRequest) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, CACHE));
    if wants_html(&req) {
        let body: String = problems::CATALOGUE.iter().map(section).collect();
        return res
            .content_type("text/html; charset=utf-8")
            .body(page("Vigie: problem codes", &body));
    }
    res.json(
        problems::CATALOGUE
            .iter()
            .map(ProblemTypeDoc::from)
            .collect::<Vec<_>>(),
    )
}

/// One problem code
///
/// The page a problem's `type` URI points to. HTML when the client asks for it.
#[utoipa::path(tag = "problems", operation_id = "getProblemType",
    params(("code" = String, Path, max_length = 64, description = "A problem code", example = "not_found")),
    responses((status = 200, description = "What the code means, JSON or HTML",
        headers(("Cache-Control" = String, description = "Kept an hour")),
        content((ProblemTypeDoc = "application/json"), (String = "text/html"))),
        (status = 404, description = "`not_found`: no such code", body = Problem, content_type = "application/problem+json")),
    security(()))]
#[get("/problems/{code}")]
pub async fn get_problem_type(
    req: HttpRequest,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let p = problems::find(&code).ok_or_else(ApiError::not_found)?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::CACHE_CONTROL, CACHE));
    if wants_html(&req) {
        return Ok(res
            .content_type("text/html; charset=utf-8")
            .body(page(&format!("Vigie: {}", p.code), &section(p))));
    }
    Ok(res.json(ProblemTypeDoc::from(p)))
}

fn section(p: &ProblemType) -> String {
    let statuses: Vec<String> = p.statuses.iter().map(u16::to_string).collect();
    format!(
        "<section id=\"{code}\"><h2><a href=\"/problems/{code}\">{code}</a></h2>\
         <p class=\"status\">HTTP {statuses}</p><h3>What it means</h3><p>{meaning}</p>\
         <h3>What to do</h3><p>{fix}</p></section>\n",
        code = p.code,
        statuses = statuses.join(", "),
        meaning = inline(p.meaning),
        fix = inline(p.fix),
    )
}

/// Escapes the text and renders its `code spans`.
fn inline(text: &str) -> String {
    let escaped = html_escape::encode_text(text);
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}}\
         code{{background:#eee;padding:0 .2em}}.status{{color:#555}}</style></head>\
         <body><h1>{title}</h1><p><a href=\"/problems\">All problem codes</a> · \
         <a href=\"/docs/\">API reference</a></p>\n{body}</body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_are_rendered_after_escaping() {
        assert_eq!(
            inline("send `If-Match` <now> & `x`"),
            "send <code>If-Match</code> &lt;now&gt; &amp; <code>x</code>"
        );
    }
}
