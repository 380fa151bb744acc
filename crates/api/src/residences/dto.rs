//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::residences::{
    Building, CreateStaff, PutResidence, Residence, Staff, UpdateStaff,
};
