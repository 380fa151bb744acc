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
