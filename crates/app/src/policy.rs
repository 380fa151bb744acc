//! Who may do what: every authorisation decision of the API is made here, from the caller's claims.
//! A record the caller may not see answers 404 (its existence is not revealed); a visible record the
//! caller may not change answers 403.

use vigie_domain::Role;
use vigie_domain::organisation::may_manage_members;

use crate::caller::Caller;
use crate::error::{AppError, AppResult};

pub fn require_any(caller: &Caller, roles: &[Role]) -> AppResult<()> {
    if caller.has_any(roles) {
        Ok(())
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(AppError::forbidden(format!(
            "this operation needs one of the roles: {}",
            names.join(", ")
        )))
    }
}

pub fn platform_admin(caller: &Caller) -> AppResult<()> {
    require_any(caller, &[Role::PlatformAdmin])
}

/// An organisation's own record is visible to its members; every record to the platform admin.
pub fn see_org(caller: &Caller, org_id: &str) -> AppResult<()> {
    if caller.is_platform_admin() || caller.org_id == org_id {
        Ok(())
    } else {
        Err(AppError::not_found())
    }
}

/// Managing an organisation's people and API clients: its own `admin`, or the platform admin.
pub fn manage_members(caller: &Caller, org_id: &str) -> AppResult<()> {
    see_org(caller, org_id)?;
    if may_manage_members(&caller.org_id, &caller.roles, org_id) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the organisation's admin or the platform admin manage its members",
        ))
    }
}

/// Reading the list of members: the organisation's admin and the platform admin.
pub fn read_members(caller: &Caller, org_id: &str) -> AppResult<()> {
    manage_members(caller, org_id)
}

/// Changing an organisation's own record: its admin (name, contact) or the platform admin (all).
pub fn edit_org(caller: &Caller, org_id: &str, touches_platform_fields: bool) -> AppResult<()> {
    see_org(caller, org_id)?;
    if caller.is_platform_admin() {
        return Ok(());
    }
    if touches_platform_fields {
        return Err(AppError::forbidden(
            "only the platform admin changes `active` and `circonscription_code`",
        ));
    }
    manage_members(caller, org_id)
}

/// Reading the audit trail: the platform admin.
pub fn read_audit(caller: &Caller) -> AppResult<()> {
    platform_admin(caller)
}

/// Reference data (communes, circonscriptions, offences) is readable by every authenticated caller
/// and edited by the platform admin.
pub fn edit_reference(caller: &Caller) -> AppResult<()> {
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
/// - the parquet's magistrat référent and délégués see the incidents followed up by a PV
///   transmitted to it;
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
        OrgKind::Parquet if caller.has_any(&[Role::Magistrate, Role::ProsecutorDelegate]) => {
            Some(Scope::Parquet {
                parquet_id: caller.org_id.clone(),
            })
        }
        _ => None,
    }
}

/// Changing an incident: its bailleur's correspondent or integration.
pub fn handle_incident(
    caller: &Caller,
    row: &vigie_store::incidents::IncidentRow,
) -> AppResult<()> {
    if caller.org_id != row.org_id {
        return Err(AppError::not_found());
    }
    require_any(caller, HANDLERS)
}

/// Residences and staff: a bailleur's own; its admin and integration write them.
pub fn bailleur_member(caller: &Caller) -> AppResult<()> {
    if caller.org_kind == vigie_domain::OrgKind::Bailleur && caller.has_any(REPORTERS) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only a bailleur's people and systems use this resource",
        ))
    }
}

pub fn manage_property(caller: &Caller) -> AppResult<()> {
    bailleur_member(caller)?;
    require_any(caller, PROPERTY_MANAGERS)
}

/// Bailleur roles that keep sworn agents' files.
pub const AGENT_FILE_MANAGERS: &[Role] = &[Role::Correspondent, Role::Admin, Role::Integration];

/// Opening and changing sworn-agent files: the bailleur's correspondent, admin or integration.
pub fn manage_agent_files(caller: &Caller) -> AppResult<()> {
    bailleur_member(caller)?;
    require_any(caller, AGENT_FILE_MANAGERS)
}

/// Which sworn-agent files a caller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentFiles {
    /// Its bailleur's (correspondent, admin, integration).
    Bailleur,
    /// Their own (a sworn agent).
    Own,
    /// Every bailleur's: the préfecture decides the agréments of the department (Vigie serves the
    /// Hauts-de-Seine alone).
    Prefecture,
}

pub fn agent_file_scope(caller: &Caller) -> AppResult<AgentFiles> {
    match caller.org_kind {
        vigie_domain::OrgKind::Bailleur if caller.has_any(AGENT_FILE_MANAGERS) => {
            Ok(AgentFiles::Bailleur)
        }
        vigie_domain::OrgKind::Bailleur if caller.has(Role::SwornAgent) => Ok(AgentFiles::Own),
        vigie_domain::OrgKind::Prefecture if caller.has(Role::PrefectureOfficer) => {
            Ok(AgentFiles::Prefecture)
        }
        _ => Err(AppError::forbidden(
            "sworn-agent files are read by their bailleur's correspondent, admin and integration, by the agent, and by the préfecture's officers",
        )),
    }
}

/// The party a caller records a file's step as, if the step is theirs: the bailleur's managers
/// record its requests and its own steps, the préfecture's officers decide (403 otherwise).
pub fn file_party(
    caller: &Caller,
    owners: &[vigie_domain::sworn::FileParty],
) -> AppResult<vigie_domain::sworn::FileParty> {
    use vigie_domain::sworn::FileParty;
    let party = match agent_file_scope(caller)? {
        AgentFiles::Bailleur => Some(FileParty::Bailleur),
        AgentFiles::Prefecture => Some(FileParty::Prefecture),
        AgentFiles::Own => None,
    };
    match party {
        Some(p) if owners.contains(&p) => Ok(p),
        _ => Err(AppError::forbidden(match owners {
            [FileParty::Prefecture] => {
                "this step is the préfet's decision: a préfecture officer records it"
            }
            _ => "this step belongs to the bailleur's correspondent, admin or integration",
        })),
    }
}

/// How a caller reaches PVs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PvAccess {
    /// The bailleur's correspondent or integration: all its PVs.
    Bailleur,
    /// A sworn agent: their own PVs.
    Agent,
    /// The magistrat référent or a délégué du procureur: the PVs transmitted to their parquet.
    Parquet,
}

/// Reading PVs: a PV is seen by its bailleur's correspondent (and integration), by its author, and
/// by the parquet once transmitted to it.
pub fn pv_access(caller: &Caller) -> AppResult<PvAccess> {
    use vigie_domain::OrgKind;
    match caller.org_kind {
        OrgKind::Bailleur if caller.has_any(HANDLERS) => Ok(PvAccess::Bailleur),
        OrgKind::Bailleur if caller.has(Role::SwornAgent) => Ok(PvAccess::Agent),
        OrgKind::Parquet if caller.has_any(&[Role::Magistrate, Role::ProsecutorDelegate]) => {
            Ok(PvAccess::Parquet)
        }
        _ => Err(AppError::forbidden(
            "PVs are read by the bailleur's correspondent, their author and the parquet they were sent to",
        )),
    }
}

/// Drawing up, signing and correcting PVs: a sworn agent (under their own file), or the bailleur's
/// integration in an agent's name.
pub fn draw_up_pvs(caller: &Caller) -> AppResult<PvAccess> {
    if caller.org_kind == vigie_domain::OrgKind::Bailleur {
        if caller.has(Role::SwornAgent) {
            return Ok(PvAccess::Agent);
        }
        if caller.has(Role::Integration) {
            return Ok(PvAccess::Bailleur);
        }
    }
    Err(AppError::forbidden(
        "PVs are drawn up by sworn agents, or by the bailleur's integration in an agent's name",
    ))
}

/// Sending PVs to the parquet: the bailleur's correspondent or integration, or an agent for their own.
pub fn transmit_pvs(caller: &Caller) -> AppResult<PvAccess> {
    match pv_access(caller)? {
        PvAccess::Parquet => Err(AppError::forbidden(
            "PVs are transmitted by the bailleur; the parquet acknowledges them",
        )),
        other => Ok(other),
    }
}

/// Acknowledging receipt: the parquet's magistrat référent or a délégué du procureur.
pub fn acknowledge_pvs(caller: &Caller) -> AppResult<()> {
    match pv_access(caller)? {
        PvAccess::Parquet => Ok(()),
        _ => Err(AppError::forbidden("the parquet acknowledges receipt")),
    }
}

/// Drafting and filing complaints: the bailleur's correspondent or integration.
pub fn handle_complaints(caller: &Caller) -> AppResult<()> {
    bailleur_member(caller)?;
    require_any(caller, HANDLERS)
}

/// Which side a caller reads complaints from: its bailleur's (correspondent, integration), the
/// circonscription's (police correspondent), or the parquet's (magistrat, délégué); others none.
pub fn complaint_reader(caller: &Caller) -> AppResult<vigie_domain::complaint::Party> {
    use vigie_domain::OrgKind;
    use vigie_domain::complaint::Party;
    match caller.org_kind {
        OrgKind::Bailleur if caller.has_any(HANDLERS) => Ok(Party::Bailleur),
        OrgKind::PoliceCirconscription if caller.has(Role::PoliceCorrespondent) => {
            Ok(Party::Police)
        }
        OrgKind::Parquet if caller.has_any(&[Role::Magistrate, Role::ProsecutorDelegate]) => {
            Ok(Party::Parquet)
        }
        _ => Err(AppError::forbidden(
            "complaints are read by the bailleur's correspondent, the police correspondent and the parquet",
        )),
    }
}

/// Each step of a complaint belongs to one party (checked after the caller was shown to see it).
pub fn complaint_step(caller: &Caller, owner: vigie_domain::complaint::Party) -> AppResult<()> {
    use vigie_domain::complaint::Party;
    let (ok, who) = match owner {
        Party::Bailleur => (
            caller.org_kind == vigie_domain::OrgKind::Bailleur && caller.has_any(HANDLERS),
            "the bailleur's correspondent",
        ),
        Party::Police => (
            caller.has(Role::PoliceCorrespondent),
            "the police correspondent of the circonscription",
        ),
        Party::Parquet => (
            caller.has_any(&[Role::Magistrate, Role::ProsecutorDelegate]),
            "the parquet",
        ),
        Party::Magistrate => (caller.has(Role::Magistrate), "the magistrat référent"),
        // The TADPR hearing is the délégué's, not the magistrat's: the magistrat orients and
        // closes (art. 41-1 and R.15-33-30 CPP).
        Party::Delegate => (
            caller.has(Role::ProsecutorDelegate),
            "a délégué du procureur",
        ),
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::forbidden(format!("this step belongs to {who}")))
    }
}

/// Notifications are read by the convention's contacts and by integrations.
pub fn read_notifications(caller: &Caller) -> AppResult<()> {
    require_any(
        caller,
        &[
            Role::Correspondent,
            Role::Integration,
            Role::PoliceCorrespondent,
            Role::Magistrate,
            Role::ProsecutorDelegate,
        ],
    )
}

/// Reading the change feed: the bailleur's correspondent or integration (its own changes), the
/// police correspondent, the parquet's magistrat and délégués, the préfecture's officers (its
/// injunctions); others none.
pub fn feed_reader(caller: &Caller) -> AppResult<()> {
    let prefecture =
        caller.org_kind == vigie_domain::OrgKind::Prefecture && caller.has(Role::PrefectureOfficer);
    if prefecture || complaint_reader(caller).is_ok() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "the change feed is read by a bailleur's correspondent or integration, the police correspondent, the parquet and the préfecture's officers",
        ))
    }
}

/// Managing webhook subscriptions: the admin or integration of an organisation that reads the feed
/// (a bailleur, a police circonscription, the parquet).
pub fn manage_webhooks(caller: &Caller) -> AppResult<()> {
    use vigie_domain::OrgKind;
    let reads_feed = matches!(
        caller.org_kind,
        OrgKind::Bailleur | OrgKind::PoliceCirconscription | OrgKind::Parquet
    );
    if reads_feed && caller.has_any(&[Role::Admin, Role::Integration]) {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "webhooks are managed by the admin or integration of a bailleur, a police circonscription or the parquet",
        ))
    }
}

/// Bulk imports of incidents: a bailleur's correspondent, integration or admin (scripted imports).
pub fn import_incidents(caller: &Caller) -> AppResult<()> {
    bailleur_member(caller)?;
    require_any(
        caller,
        &[Role::Correspondent, Role::Integration, Role::Admin],
    )
}
