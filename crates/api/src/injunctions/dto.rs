//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::injunctions::{
    CreateInjunction, Injunction, InjunctionLinks, InjunctionQuery, Tenant,
};
pub use vigie_domain::injunction::{InjunctionEvent, Procedure};
