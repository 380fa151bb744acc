//! The convention's parties and the roles their people and systems hold in Vigie.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Kind of organisation. Which roles exist depends on the kind (see [`OrgKind::allowed_roles`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A social landlord (bailleur social); identified by its SIREN.
    Bailleur,
    /// A police circonscription (CSP), linked to a circonscription of the reference map.
    PoliceCirconscription,
    /// The parquet (procureur de la République près le tribunal judiciaire).
    Parquet,
    /// The préfecture des Hauts-de-Seine.
    Prefecture,
    /// AORIF, the federation of social landlords of Île-de-France.
    Aorif,
    /// The operator of this Vigie deployment.
    PlatformOperator,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        Self::Bailleur,
        Self::PoliceCirconscription,
        Self::Parquet,
        Self::Prefecture,
        Self::Aorif,
        Self::PlatformOperator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bailleur => "bailleur",
            Self::PoliceCirconscription => "police_circonscription",
            Self::Parquet => "parquet",
            Self::Prefecture => "prefecture",
            Self::Aorif => "aorif",
            Self::PlatformOperator => "platform_operator",
        }
    }

    /// The roles a principal of an organisation of this kind may hold.
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Self::Bailleur => &[Correspondent, Staff, SwornAgent, Integration, Admin, Dpo],
            Self::PoliceCirconscription => &[PoliceCorrespondent, Admin],
            Self::Parquet => &[Magistrate, ProsecutorDelegate, Admin],
            Self::Prefecture => &[PrefectureOfficer, Observer, Admin],
            Self::Aorif => &[Observer, Admin],
            Self::PlatformOperator => &[PlatformAdmin],
        }
    }

    /// A bailleur is a legal person that files complaints in its own name: its SIREN is mandatory.
    pub fn requires_siren(self) -> bool {
        matches!(self, Self::Bailleur)
    }

    /// A police organisation is the circonscription it polices.
    pub fn requires_circonscription(self) -> bool {
        matches!(self, Self::PoliceCirconscription)
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value `{0}`")]
pub struct UnknownValue(pub String);

impl FromStr for OrgKind {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

/// A role held by a principal inside its organisation.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Bailleur: correspondant tranquillité-sécurité.
    Correspondent,
    /// Bailleur: front-line staff (gardien, agent de proximité...).
    Staff,
    /// Bailleur: sworn agent (agent assermenté).
    SwornAgent,
    /// Bailleur: machine-to-machine ERP integration.
    Integration,
    /// Any organisation except the platform: manages its own people and API clients.
    Admin,
    /// Police: correspondant bailleur-tranquillité-sécurité of the circonscription.
    PoliceCorrespondent,
    /// Parquet: magistrat référent.
    Magistrate,
    /// Parquet: délégué du procureur.
    ProsecutorDelegate,
    /// Préfecture and AORIF: statistics only.
    Observer,
    /// Préfecture: decides the sworn agents' agréments (grants, refuses, renews, withdraws).
    PrefectureOfficer,
    /// Bailleur: data protection officer; reads the access journal of the organisation's records.
    Dpo,
    /// Platform operator: manages every organisation and the reference data.
    PlatformAdmin,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Self::Correspondent,
        Self::Staff,
        Self::SwornAgent,
        Self::Integration,
        Self::Admin,
        Self::PoliceCorrespondent,
        Self::Magistrate,
        Self::ProsecutorDelegate,
        Self::Observer,
        Self::PrefectureOfficer,
        Self::Dpo,
        Self::PlatformAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Correspondent => "correspondent",
            Self::Staff => "staff",
            Self::SwornAgent => "sworn_agent",
            Self::Integration => "integration",
            Self::Admin => "admin",
            Self::PoliceCorrespondent => "police_correspondent",
            Self::Magistrate => "magistrate",
            Self::ProsecutorDelegate => "prosecutor_delegate",
            Self::Observer => "observer",
            Self::PrefectureOfficer => "prefecture_officer",
            Self::Dpo => "dpo",
            Self::PlatformAdmin => "platform_admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownValue(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RolesError {
    #[error("at least one role is required")]
    Empty,
    #[error("role `{role}` does not exist in an organisation of kind `{kind}`")]
    NotForKind { role: Role, kind: OrgKind },
}

/// Checks a set of roles against the organisation kind; returns them sorted and de-duplicated.
pub fn validate_roles(kind: OrgKind, roles: &[Role]) -> Result<Vec<Role>, RolesError> {
    if roles.is_empty() {
        return Err(RolesError::Empty);
    }
    if let Some(role) = roles.iter().find(|r| !kind.allowed_roles().contains(r)) {
        return Err(RolesError::NotForKind { role: *role, kind });
    }
    let mut out = roles.to_vec();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Who may manage the people and API clients of `target` organisation: the platform admin for every
/// organisation, an organisation's own `admin` for its own.
pub fn may_manage_members(actor_org: &str, actor_roles: &[Role], target_org: &str) -> bool {
    actor_roles.contains(&Role::PlatformAdmin)
        || (actor_org == target_org && actor_roles.contains(&Role::Admin))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_roles_round_trip_through_their_names() {
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>().unwrap(), k);
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
    }

    #[test]
    fn every_role_belongs_to_some_kind() {
        for r in Role::ALL {
            assert!(
                OrgKind::ALL.iter().any(|k| k.allowed_roles().contains(&r)),
                "{r}"
            );
        }
    }

    #[test]
    fn roles_are_checked_against_the_kind() {
        assert_eq!(
            validate_roles(OrgKind::Bailleur, &[Role::Magistrate]),
            Err(RolesError::NotForKind {
                role: Role::Magistrate,
                kind: OrgKind::Bailleur
            })
        );
        assert_eq!(
            validate_roles(OrgKind::Parquet, &[]),
            Err(RolesError::Empty)
        );
        assert_eq!(
            validate_roles(
                OrgKind::Bailleur,
                &[Role::Staff, Role::Correspondent, Role::Staff]
            )
            .unwrap(),
            vec![Role::Correspondent, Role::Staff]
        );
        assert!(validate_roles(OrgKind::Bailleur, &[Role::PlatformAdmin]).is_err());
    }

    #[test]
    fn only_own_admin_or_platform_admin_manage_members() {
        assert!(may_manage_members("a", &[Role::Admin], "a"));
        assert!(!may_manage_members("a", &[Role::Admin], "b"));
        assert!(!may_manage_members("a", &[Role::Correspondent], "a"));
        assert!(may_manage_members("p", &[Role::PlatformAdmin], "b"));
    }
}
