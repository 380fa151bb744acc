//! Who is asking: every use case takes the caller, whatever the entry point (HTTP request, bulk
//! import job, command line, background job).

use vigie_domain::{OrgKind, Role};
use vigie_store::audit::Actor;

/// An authenticated caller: its principal, organisation and roles, and the request it came with.
#[derive(Debug, Clone)]
pub struct Caller {
    /// `person:<login>` or `client:<client id>`.
    pub sub: String,
    pub org_id: String,
    pub org_kind: OrgKind,
    pub roles: Vec<Role>,
    /// The request being served, recorded in the audit trail.
    pub request_id: Option<String>,
    /// Why the caller reads personal offence data (`Vigie-Purpose`), recorded in the access
    /// journal; partners must give one.
    pub purpose: Option<vigie_domain::journal::Purpose>,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    pub fn is_platform_admin(&self) -> bool {
        self.has(Role::PlatformAdmin)
    }

    /// The server's operator at its command line (`vigie natinf import`, `vigie audit verify`...):
    /// acts as the platform admin, and is recorded as `cli:<command>` in the platform's chain.
    pub fn operator(command: &str) -> Self {
        Self {
            sub: format!("cli:{command}"),
            org_id: String::new(),
            org_kind: OrgKind::PlatformOperator,
            roles: vec![Role::PlatformAdmin],
            request_id: None,
            purpose: Some(vigie_domain::journal::Purpose::Audit),
        }
    }

    /// The caller as the audit trail records it.
    pub fn actor(&self) -> Actor {
        Actor {
            principal: self.sub.clone(),
            // The operator belongs to no organisation: its changes go to the platform's chain.
            org_id: (!self.org_id.is_empty()).then(|| self.org_id.clone()),
            request_id: self.request_id.clone(),
        }
    }
}
