//! The convention's designated contacts (measure 1): who holds each role, for which scope.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::organisation::{OrgKind, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactRole {
    /// Correspondant tranquillité-sécurité of a bailleur.
    BailleurCorrespondent,
    /// Correspondant bailleur-tranquillité-sécurité of a police circonscription.
    PoliceCorrespondent,
    /// Magistrat référent of the parquet for social-housing bodies.
    MagistratReferent,
}

impl ContactRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BailleurCorrespondent => "bailleur_correspondent",
            Self::PoliceCorrespondent => "police_correspondent",
            Self::MagistratReferent => "magistrat_referent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::BailleurCorrespondent,
            Self::PoliceCorrespondent,
            Self::MagistratReferent,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// The organisation kind that designates this contact.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Self::BailleurCorrespondent => OrgKind::Bailleur,
            Self::PoliceCorrespondent => OrgKind::PoliceCirconscription,
            Self::MagistratReferent => OrgKind::Parquet,
        }
    }

    /// The role a person needs to be designated (holder or substitute).
    pub fn required_role(self) -> Role {
        match self {
            Self::BailleurCorrespondent => Role::Correspondent,
            Self::PoliceCorrespondent => Role::PoliceCorrespondent,
            Self::MagistratReferent => Role::Magistrate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_contact_role_is_held_by_a_role_of_its_organisation_kind() {
        for r in [
            ContactRole::BailleurCorrespondent,
            ContactRole::PoliceCorrespondent,
            ContactRole::MagistratReferent,
        ] {
            assert!(r.org_kind().allowed_roles().contains(&r.required_role()));
            assert_eq!(ContactRole::parse(r.as_str()), Some(r));
        }
    }
}
