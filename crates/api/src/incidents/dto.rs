//! The wire types of `/incidents`: the use cases' own input and views.

pub use vigie_app::incidents::{
    CreateIncident, Incident, IncidentQuery, Prescription, ProposalAnswer, ProposalView,
    QualificationInput, QualificationView, Routing, SetQualifications, TransitionRequest,
    UpdateIncident, VictimView,
};
