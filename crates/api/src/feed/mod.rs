//! `GET /events`: the change feed for ERPs that poll. Ordered, gap-free and resumable: keep
//! `next_cursor` and ask again with `?after=` it; an event is never inserted before one already read.

pub mod dto;
pub mod handlers;

pub use handlers::*;
