//! Keyset pagination as the use cases see it: a page size, the key to start after, and whether
//! more follow. Cursors and links are the HTTP crate's business.

use crate::error::AppResult;

/// One page to read: at most `limit` items after the key `after`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: u32,
    pub after: Option<String>,
}

impl PageRequest {
    /// Rows to fetch: one more than the page, to know whether more exist.
    pub fn fetch(&self) -> i64 {
        fetch_size(self.limit)
    }
}

/// A page of items in a stable order, and whether more follow.
#[derive(Debug)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub more: bool,
}

/// Rows to fetch for a page of `limit`.
pub fn fetch_size(limit: u32) -> i64 {
    i64::from(limit) + 1
}

/// The views of the first `limit` rows (fetched with [`fetch_size`]), and whether more exist.
pub fn views_of<R, T>(
    rows: Vec<R>,
    limit: u32,
    view: impl FnMut(R) -> AppResult<T>,
) -> AppResult<Listed<T>> {
    let more = rows.len() > limit as usize;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(view)
        .collect::<AppResult<Vec<T>>>()?;
    Ok(Listed { items, more })
}
