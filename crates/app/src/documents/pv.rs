//! The PV as its author signs it and the parquet receives it.

use vigie_domain::pv::PvStatus;
use vigie_domain::sworn::Regime;
use vigie_domain::timestamp::{day_label, local_label};
use vigie_domain::wording;

use super::{Block, Document, Section, evidence_rows, file_name, person, witness_rows};
use crate::caller::Caller;
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::pvs::{Pv, PvDocument, get_pv};

fn regime_label(r: Regime) -> &'static str {
    match r {
        Regime::GardeParticulier => "garde particulier assermenté (art. 29 CPP)",
        Regime::LandlordSecurityAgent => {
            "agent du service de sécurité du bailleur (art. L.614-6 CSI)"
        }
    }
}

/// The PV `id` as a document, for whoever may read the PV (404 otherwise).
pub async fn pv_document(app: &App, caller: Caller, id: String) -> AppResult<Document> {
    let pv = get_pv(app, caller, id).await?;
    let doc: PvDocument = serde_json::from_value(pv.document.clone())
        .map_err(|e| AppError::internal_because(format!("pv {}: document: {e}", pv.id)))?;
    // The PV was read through its visibility above; its owner's address is the commettant's.
    let bailleur_address = app
        .db({
            let id = pv.id.clone();
            move |conn| {
                let Some(row) = vigie_store::pvs::get(conn, &id)? else {
                    return Ok(None);
                };
                Ok(vigie_store::organisations::find(conn, &row.org_id)?.and_then(|o| o.address))
            }
        })
        .await?;
    Ok(build(&pv, &doc, bailleur_address))
}

/// The document of a PV already read (its content parsed, its owner's address looked up).
pub(super) fn build(pv: &Pv, doc: &PvDocument, bailleur_address: Option<String>) -> Document {
    let w = wording::shipped();
    let reference = format!("PV n° {}, révision {}", doc.number, doc.revision);
    let banner = if pv.void {
        Some(w.text("void_banner").to_owned())
    } else if pv.status == PvStatus::Draft {
        Some(w.text("draft_banner").to_owned())
    } else {
        None
    };
    let a = &doc.author;
    let mut agent = vec![
        ("Nom".to_owned(), a.name.clone()),
        ("Qualité".to_owned(), regime_label(a.regime).to_owned()),
        (
            "Agrément".to_owned(),
            format!(
                "arrêté {} ({}), du {} au {}",
                a.agrement_arrete,
                a.prefet,
                day_label(&a.agrement_start),
                day_label(&a.agrement_end)
            ),
        ),
        (
            "Serment".to_owned(),
            format!(
                "prêté le {} devant le {}",
                day_label(&a.oath_sworn_on),
                a.oath_tribunal
            ),
        ),
    ];
    if let Some(card) = &a.card_number {
        agent.push(("Carte professionnelle".to_owned(), card.clone()));
    }
    if let Some(card) = &a.cnaps_card_number {
        agent.push(("Carte CNAPS".to_owned(), card.clone()));
    }
    let mut owner = vec![("Bailleur".to_owned(), doc.bailleur.clone())];
    if let Some(addr) = bailleur_address {
        owner.push(("Adresse".to_owned(), addr));
    }
    let p = &doc.place;
    let mut place = vec![
        ("Date et heure".to_owned(), local_label(&doc.found_at)),
        ("Résidence".to_owned(), p.residence.clone()),
        ("Adresse".to_owned(), p.address.clone()),
        ("Commune (INSEE)".to_owned(), p.insee_code.clone()),
    ];
    for (label, v) in [
        ("Bâtiment", &p.building),
        ("Entrée", &p.entrance),
        ("Partie commune", &p.common_part),
    ] {
        if let Some(v) = v {
            place.push((label.to_owned(), v.clone()));
        }
    }
    let mut revision = vec![("Révision".to_owned(), doc.revision.to_string())];
    if let Some(prev) = &doc.previous {
        revision.push((
            "Remplace".to_owned(),
            format!(
                "la révision {} (empreinte {})",
                prev.revision, prev.content_hash
            ),
        ));
    }
    if let Some(reason) = &doc.correction_reason {
        revision.push(("Motif de la correction".to_owned(), reason.clone()));
    }
    let mut signature = vec![w.text("pv_closing").to_owned()];
    match (&doc.signed_at, &pv.content_hash) {
        (Some(at), Some(hash)) => {
            signature.push(format!("Signé le {} par {}", local_label(at), a.name));
            signature.push(format!("Empreinte du contenu signé : {hash}"));
        }
        _ => signature.push("Non signé (projet).".to_owned()),
    }
    let sections = vec![
        Section::new("Agent verbalisateur").fields(agent),
        Section::new("Commettant").fields(owner),
        Section::new("Lieu et date de la constatation").fields(place),
        Section::new("Faits constatés")
            .paragraph(w.text("pv_opening"))
            .paragraph(doc.facts.clone()),
        Section::new("Auteur des faits").paragraph(
            doc.offender
                .as_ref()
                .map_or_else(|| "non renseigné".to_owned(), person),
        ),
        Section::new("Déclarations").table(
            &["Personne", "Déclaration"],
            doc.statements
                .iter()
                .map(|s| vec![s.by.clone(), s.text.clone()])
                .collect(),
            "Aucune déclaration recueillie.",
        ),
        Section::new("Témoins").table(
            &["Témoin", "Contact"],
            witness_rows(&doc.witnesses),
            "Aucun témoin.",
        ),
        Section::new("Éléments de preuve").table(
            &["Type", "Description", "Référence"],
            evidence_rows(&doc.evidence),
            "Aucun élément de preuve joint.",
        ),
        Section::new("Infractions relevées").table(
            &["Code", "Infraction", "Articles", "Nature"],
            doc.qualifications
                .iter()
                .map(|q| {
                    vec![
                        q.offence_code.clone(),
                        q.label.clone(),
                        q.legal_reference.clone(),
                        q.nature.clone(),
                    ]
                })
                .collect(),
            "Aucune infraction.",
        ),
        Section::new("Révision").fields(revision),
        Section::new("Transmission")
            .fields([
                (
                    "À transmettre au plus tard le".to_owned(),
                    day_label(&pv.deadline),
                ),
                (
                    "Transmis".to_owned(),
                    pv.transmission.as_ref().map_or_else(
                        || "non".to_owned(),
                        |t| {
                            format!(
                                "le {}{}",
                                day_label(&t.transmitted_on),
                                if t.void { ", hors délai : nul" } else { "" }
                            )
                        },
                    ),
                ),
            ])
            .paragraph(w.text("pv_transmission_notice")),
        Section {
            heading: w.text("signature").to_owned(),
            blocks: vec![Block::Signature(signature)],
        },
    ];
    Document {
        file_name: file_name("pv", &format!("{}-r{}", doc.number, doc.revision)),
        reference,
        title: w.text("pv_title").to_owned(),
        banner,
        sections,
        wording_version: w.version.clone(),
    }
}
