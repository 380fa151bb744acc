//! Printable documents (PV, complaint, slip): one content, two representations chosen by
//! `Accept`: `text/html` (the default) or `application/pdf`. Both are rendered here from the same
//! `vigie_app::documents::Document`, so they say the same thing.

pub mod html;
pub mod pdf;

use actix_web::http::header::{self, Accept, Header as _};
use actix_web::{HttpRequest, HttpResponse};
use vigie_app::documents::Document;

use crate::error::{ApiError, ApiResult};

/// The representations a document has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
}

/// The representation the client prefers; HTML when it states no preference; 406 when it accepts
/// neither.
pub fn negotiate(req: &HttpRequest) -> ApiResult<Format> {
    let Ok(accept) = Accept::parse(req) else {
        return Ok(Format::Html);
    };
    if accept.is_empty() {
        return Ok(Format::Html);
    }
    let quality = |essence: &str| {
        accept
            .iter()
            .filter(|q| {
                let m = q.item.essence_str();
                m == essence
                    || m == "*/*"
                    || (m.ends_with("/*") && essence.starts_with(m.trim_end_matches('*')))
            })
            .map(|q| (q.item.essence_str() == essence, q.quality))
            .max()
    };
    let positive = |q: Option<(bool, actix_web::http::header::Quality)>| {
        q.filter(|(_, q)| *q > actix_web::http::header::Quality::ZERO)
    };
    match (
        positive(quality("text/html")),
        positive(quality("application/pdf")),
    ) {
        // An explicit type beats a wildcard; then the higher quality; HTML on a tie.
        (Some(h), Some(p)) if p.0 && !h.0 => Ok(Format::Pdf),
        (Some(h), Some(p)) if h.0 == p.0 && p.1 > h.1 => Ok(Format::Pdf),
        (Some(_), _) => Ok(Format::Html),
        (None, Some(_)) => Ok(Format::Pdf),
        (None, None) => Err(ApiError::new(
            actix_web::http::StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "this document is available as text/html or application/pdf",
        )),
    }
}

/// The document in the representation asked for, inline, with a file name for "save as".
pub fn respond(req: &HttpRequest, doc: &Document) -> ApiResult<HttpResponse> {
    let format = negotiate(req)?;
    let mut res = HttpResponse::Ok();
    res.insert_header((header::VARY, "Accept"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"));
    Ok(match format {
        Format::Html => res
            .content_type("text/html; charset=utf-8")
            .body(html::render(doc)),
        Format::Pdf => {
            let bytes = pdf::render(doc)
                .map_err(|e| ApiError::from(vigie_app::AppError::internal_because(e)))?;
            res.content_type("application/pdf")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}.pdf\"", doc.file_name),
                ))
                .body(bytes)
        }
    })
}
