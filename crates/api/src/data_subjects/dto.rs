//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::data_subjects::{
    ErasureAnswer, ErasureDecision, ErasureItem, Mention, Subject, SubjectRecord, SubjectRecords,
};
