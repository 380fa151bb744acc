//! The wire types of `/designations`: the use cases' own input and views.

pub use vigie_app::directory::{ContactView, Designate, DirectoryQuery, EndDesignation, PersonRef};
