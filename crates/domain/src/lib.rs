//! Vigie's domain: the legal facts and rules of the Hauts-de-Seine social-housing security convention,
//! as pure types. Nothing here does IO; constructors refuse invalid values ("parse, don't validate").

pub mod audit;
pub mod ban;
pub mod commune;
pub mod complaint;
pub mod delays;
pub mod directory;
pub mod field_codes;
pub mod import;
pub mod incident;
pub mod injunction;
pub mod journal;
pub mod natinf;
pub mod offence;
pub mod organisation;
pub mod pv;
pub mod qualification;
pub mod retention;
pub mod siren;
pub mod sworn;
pub mod timestamp;
pub mod wording;

/// No text Vigie keeps may hold the NUL character (U+0000): PostgreSQL cannot store it, and no
/// legitimate name, reference or narrative needs it.
pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

pub use commune::InseeCode;
pub use offence::{NatinfNumber, Nature};
pub use organisation::{OrgKind, Role};
pub use siren::Siren;
