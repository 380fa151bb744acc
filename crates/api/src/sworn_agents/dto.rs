//! The wire types of this resource: the use cases' own input and views.

pub use vigie_app::sworn_agents::{AgentQuery, CreateSwornAgent, OnQuery, SwornAgent};
pub use vigie_domain::sworn::FileEvent;
