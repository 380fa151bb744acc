//! Keyset pagination: `limit` and an opaque `cursor`; the answer gives the next cursor and link.

use actix_web::HttpRequest;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u32>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page a use case reads.
    pub fn request(&self) -> ApiResult<vigie_app::PageRequest> {
        Ok(vigie_app::PageRequest {
            limit: self.limit()?,
            after: self.after()?,
        })
    }

    pub fn limit(&self) -> ApiResult<u32> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n @ 1..=MAX_LIMIT) => Ok(n),
            Some(_) => Err(ApiError::invalid_field(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// The key after which the page starts.
    pub fn after(&self) -> ApiResult<Option<String>> {
        self.cursor.as_deref().map(decode_cursor).transpose()
    }
}

/// The opaque cursor of a key.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The key of a cursor this API issued.
pub fn decode_cursor(cursor: &str) -> ApiResult<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            ApiError::invalid_field(
                "cursor",
                "invalid_cursor",
                "this cursor was not issued by this API",
            )
        })
}

/// One page of a list, in a stable order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Cursor of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// Link to the next page (same filters); absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl<T: ToSchema + Serialize> Page<T> {
    /// The 200 answer with the page, and the next page's link also as a `Link: <...>; rel="next"`
    /// header (RFC 8288) for clients that follow links.
    pub fn respond(
        req: &HttpRequest,
        listed: vigie_app::Listed<T>,
        key: impl Fn(&T) -> String,
    ) -> actix_web::HttpResponse {
        let page = Self::of(req, listed, key);
        page.ok().json(page)
    }
}

impl<T: ToSchema> Page<T> {
    /// A 200 answer, with the `Link: <...>; rel="next"` header when a next page exists.
    pub fn ok(&self) -> actix_web::HttpResponseBuilder {
        let mut res = actix_web::HttpResponse::Ok();
        if let Some(next) = &self.next {
            res.insert_header((
                actix_web::http::header::LINK,
                format!("<{next}>; rel=\"next\""),
            ));
        }
        res
    }
}

impl<T: ToSchema> Page<T> {
    /// A list that is bounded by nature (the reference data, the directory) as one page without a
    /// next one: the same shape as every other list, for clients that page generically.
    pub fn whole(items: Vec<T>) -> Self {
        Self {
            items,
            next_cursor: None,
            next: None,
        }
    }

    /// The page of a use case's listing; `key` gives the item's cursor key.
    pub fn of(req: &HttpRequest, listed: vigie_app::Listed<T>, key: impl Fn(&T) -> String) -> Self {
        Self::from_items(req, listed.items, listed.more, key)
    }

    /// Builds the page from items already cut to the limit, knowing whether more exist.
    pub fn from_items(
        req: &HttpRequest,
        items: Vec<T>,
        more: bool,
        key: impl Fn(&T) -> String,
    ) -> Self {
        let next_cursor = if more {
            items.last().map(|r| encode_cursor(&key(r)))
        } else {
            None
        };
        let next = next_cursor.as_ref().map(|c| next_link(req, c));
        Self {
            items,
            next_cursor,
            next,
        }
    }
}

fn next_link(req: &HttpRequest, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != "cursor");
    pairs.push(("cursor".into(), cursor.into()));
    format!(
        "{}?{}",
        req.path(),
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}
