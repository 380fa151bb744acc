//! `/problems/{code}`: the page each problem `type` URI points to, from the catalogue of codes
//! (`vigie_app::problems`). JSON for programs, HTML for people (by `Accept`).

pub mod handlers;

pub use handlers::*;
