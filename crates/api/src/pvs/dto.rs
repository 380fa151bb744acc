//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::pvs::{
    AuthorSnapshot, Correction, DeadlineQuery, DueView, PlaceSnapshot, PreviousRevision, Pv,
    PvDocument, PvInput, PvQualification, PvQuery, Statement, TransmissionRef,
};
