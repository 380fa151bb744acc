//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::prescriptions::{PrescriptionAlert, PrescriptionQuery};
