//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::retention::RecordRetention;
pub use vigie_app::retention::holds::{HeldRecord, HoldQuery, LegalHold, PlaceHold};
pub use vigie_app::retention::run::{DueRecord, RetentionRun, StartRun};
