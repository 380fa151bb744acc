//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::complaints::{
    BailleurVictim, BailleurVictimInput, Complaint, ComplaintContent, ComplaintQualification,
    ComplaintQuery, CreateComplaint, Damages, Delays, EmployeeVictim, EmployeeVictimInput,
    Notification, NotificationQuery,
};
pub use vigie_domain::complaint::ComplaintEvent;
