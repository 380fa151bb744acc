//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::retention::holds::{HoldQuery, LegalHold, PlaceHold};
pub use vigie_app::retention::run::{DueRecord, RetentionRun, StartRun};
pub use vigie_app::retention::{RecordKind, RecordRetention};
