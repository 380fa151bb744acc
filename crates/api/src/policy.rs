//! Who may do what: every authorisation decision of the API is made here, from the caller's claims.
//! A record the caller may not see answers 404 (its existence is not revealed); a visible record the
//! caller may not change answers 403.

use vigie_domain::Role;
use vigie_domain::organisation::may_manage_members;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};

pub fn require_any(caller: &Caller, roles: &[Role]) -> ApiResult<()> {
    if caller.has_any(roles) {
        Ok(())
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::forbidden(format!(
            "this operation needs one of the roles: {}",
            names.join(", ")
        )))
    }
}

pub fn platform_admin(caller: &Caller) -> ApiResult<()> {
    require_any(caller, &[Role::PlatformAdmin])
}

/// An organisation's own record is visible to its members; every record to the platform admin.
pub fn see_org(caller: &Caller, org_id: &str) -> ApiResult<()> {
    if caller.is_platform_admin() || caller.org_id == org_id {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// Managing an organisation's people and API clients: its own `admin`, or the platform admin.
pub fn manage_members(caller: &Caller, org_id: &str) -> ApiResult<()> {
    see_org(caller, org_id)?;
    if may_manage_members(&caller.org_id, &caller.roles, org_id) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only the organisation's admin or the platform admin manage its members",
        ))
    }
}

/// Reading the list of members: the organisation's admin and the platform admin.
pub fn read_members(caller: &Caller, org_id: &str) -> ApiResult<()> {
    manage_members(caller, org_id)
}

/// Changing an organisation's own record: its admin (name, contact) or the platform admin (all).
pub fn edit_org(caller: &Caller, org_id: &str, touches_platform_fields: bool) -> ApiResult<()> {
    see_org(caller, org_id)?;
    if caller.is_platform_admin() {
        return Ok(());
    }
    if touches_platform_fields {
        return Err(ApiError::forbidden(
            "only the platform admin changes `active` and `circonscription_code`",
        ));
    }
    manage_members(caller, org_id)
}

/// Reading the audit trail: the platform admin.
pub fn read_audit(caller: &Caller) -> ApiResult<()> {
    platform_admin(caller)
}

/// Reference data (communes, circonscriptions, offences) is readable by every authenticated caller
/// and edited by the platform admin.
pub fn edit_reference(caller: &Caller) -> ApiResult<()> {
    platform_admin(caller)
}

/// Bailleur roles that report incidents.
pub const REPORTERS: &[Role] = &[
    Role::Correspondent,
    Role::Staff,
    Role::SwornAgent,
    Role::Integration,
    Role::Admin,
];
/// Bailleur roles that qualify, route and follow up incidents.
pub const HANDLERS: &[Role] = &[Role::Correspondent, Role::Integration];
/// Bailleur roles that manage residences and staff.
pub const PROPERTY_MANAGERS: &[Role] = &[Role::Admin, Role::Integration];

/// Which incidents a caller sees (`None`: none at all).
///
/// - a bailleur's roles see their organisation's incidents; restricted ones (radicalisation signals)
///   only its correspondent;
/// - the police see the incidents routed to their circonscription and shared with them;
/// - the parquet sees incidents attached to a PV or complaint sent to it (none until those exist);
/// - observers see no record.
pub fn incident_scope(
    caller: &Caller,
    police_circonscription: Option<&str>,
) -> Option<vigie_store::incidents::Scope> {
    use vigie_domain::OrgKind;
    use vigie_store::incidents::Scope;
    match caller.org_kind {
        OrgKind::Bailleur if caller.has_any(REPORTERS) => Some(Scope::Bailleur {
            org_id: caller.org_id.clone(),
            include_restricted: caller.has(Role::Correspondent),
        }),
        OrgKind::PoliceCirconscription if caller.has(Role::PoliceCorrespondent) => {
            police_circonscription.map(|c| Scope::Police {
                circonscription_code: c.to_owned(),
            })
        }
        _ => None,
    }
}

/// Whether a caller with `scope` sees this incident.
pub fn sees_incident(
    scope: Option<&vigie_store::incidents::Scope>,
    row: &vigie_store::incidents::IncidentRow,
) -> bool {
    use vigie_store::incidents::Scope;
    match scope {
        Some(Scope::Bailleur {
            org_id,
            include_restricted,
        }) => &row.org_id == org_id && (!row.restricted || *include_restricted),
        Some(Scope::Police {
            circonscription_code,
        }) => {
            row.shared_with_police
                && row.circonscription_code.as_deref() == Some(circonscription_code.as_str())
        }
        None => false,
    }
}

/// Changing an incident: its bailleur's correspondent or integration.
pub fn handle_incident(
    caller: &Caller,
    row: &vigie_store::incidents::IncidentRow,
) -> ApiResult<()> {
    if caller.org_id != row.org_id {
        return Err(ApiError::not_found());
    }
    require_any(caller, HANDLERS)
}

/// Residences and staff: a bailleur's own; its admin and integration write them.
pub fn bailleur_member(caller: &Caller) -> ApiResult<()> {
    if caller.org_kind == vigie_domain::OrgKind::Bailleur && caller.has_any(REPORTERS) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only a bailleur's people and systems use this resource",
        ))
    }
}

pub fn manage_property(caller: &Caller) -> ApiResult<()> {
    bailleur_member(caller)?;
    require_any(caller, PROPERTY_MANAGERS)
}
