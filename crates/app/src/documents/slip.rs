//! The transmission slip (bordereau) that goes with the PVs to the parquet.

use vigie_domain::directory::ContactRole;
use vigie_domain::timestamp::{day_label, local_label};
use vigie_domain::wording;

use super::{Block, Document, Section, file_name};
use crate::calendar::today;
use crate::caller::Caller;
use crate::context::App;
use crate::directory::contacts_for;
use crate::error::{AppError, AppResult};
use crate::pv_transmissions::get_transmission;
use crate::pvs::PvDocument;

/// An organisation as the slip names it: name, SIREN and address when known.
struct Party {
    name: String,
    siren: Option<String>,
    address: Option<String>,
}

fn party(conn: &mut vigie_store::DbConn, id: &str) -> AppResult<Party> {
    let o = vigie_store::organisations::get(conn, id)?;
    Ok(Party {
        name: o.name,
        siren: o.siren,
        address: o.address,
    })
}

fn party_fields(p: Party) -> Vec<(String, String)> {
    let mut out = vec![("Nom".to_owned(), p.name)];
    if let Some(s) = p.siren {
        out.push(("SIREN".to_owned(), s));
    }
    out.push((
        "Adresse".to_owned(),
        p.address.unwrap_or_else(|| "non renseignée".to_owned()),
    ));
    out
}

/// The slip of transmission `id`, for whoever may read it (404 otherwise). `pages` counts the
/// printed pages of each PV's document, so that the slip says how many pages were sent.
pub async fn slip_document(
    app: &App,
    caller: Caller,
    id: String,
    pages: &(dyn Fn(&Document) -> usize + Sync),
) -> AppResult<Document> {
    let t = get_transmission(app, caller, id).await?;
    let (sender, recipient, correspondent, pvs) = app
        .db({
            let t_id = t.id.clone();
            let parquet_id = t.parquet_id.clone();
            let pv_ids: Vec<String> = t.lines.iter().map(|l| l.pv_id.clone()).collect();
            move |conn| {
                let row = vigie_store::pvs::get_transmission(conn, &t_id)?
                    .ok_or_else(AppError::not_found)?;
                let sender = party(conn, &row.org_id)?;
                let recipient = party(conn, &parquet_id)?;
                let correspondent = contacts_for(conn, &row.org_id, None, today())?
                    .into_iter()
                    .find(|c| c.role == ContactRole::BailleurCorrespondent)
                    .map(|c| c.holder.display_name);
                let mut pvs = vec![];
                for pv_id in pv_ids {
                    let Some(r) = vigie_store::pvs::get(conn, &pv_id)? else {
                        continue;
                    };
                    let pv = crate::pvs::view(conn, r)?;
                    let doc: PvDocument = serde_json::from_value(pv.document.clone())?;
                    let printed = super::pv::build(&pv, &doc, sender.address.clone());
                    pvs.push((pv, doc, printed));
                }
                Ok((sender, recipient, correspondent, pvs))
            }
        })
        .await?;
    let w = wording::shipped();
    let mut sender_fields = party_fields(sender);
    sender_fields.push((
        "Correspondant tranquillité-sécurité".to_owned(),
        correspondent.unwrap_or_else(|| "non désigné".to_owned()),
    ));
    let mode = match t.mode.as_str() {
        "registered_letter" => "lettre recommandée avec accusé de réception",
        "hand_delivery" => "remise en main propre au parquet",
        _ => "par l'officier de police judiciaire territorialement compétent",
    };
    let mut sending = vec![
        ("Date d'envoi".to_owned(), day_label(&t.transmitted_on)),
        ("Mode".to_owned(), mode.to_owned()),
        ("Preuve d'envoi".to_owned(), t.proof_reference.clone()),
    ];
    if let Some(opj) = &t.opj {
        sending.push(("OPJ".to_owned(), opj.clone()));
    }
    let mut total_pages = 0;
    let mut rows = vec![];
    for (line, (pv, doc, printed)) in t.lines.iter().zip(&pvs) {
        let n = pages(printed);
        total_pages += n;
        let offences: Vec<String> = line
            .offences
            .iter()
            .map(|o| {
                let articles = doc
                    .qualifications
                    .iter()
                    .find(|q| q.offence_code == o.offence_code)
                    .map(|q| q.legal_reference.clone())
                    .unwrap_or_default();
                match o.natinf {
                    Some(n) => format!("{} ({articles}, NATINF {n})", o.label),
                    None => format!("{} ({articles})", o.label),
                }
            })
            .collect();
        rows.push(vec![
            format!("{} r{}", line.number, line.revision),
            day_label(&line.found_on),
            format!(
                "{}, agréé par arrêté {} du {}",
                line.author,
                doc.author.agrement_arrete,
                day_label(&doc.author.agrement_start)
            ),
            offences.join(" ; "),
            format!(
                "{} ({})",
                day_label(&line.deadline),
                if line.void {
                    "dépassé : PV nul"
                } else {
                    "respecté"
                }
            ),
            n.to_string(),
        ]);
        debug_assert_eq!(pv.id, line.pv_id);
    }
    let mut sections = vec![
        Section::new("Expéditeur").fields(sender_fields),
        Section::new("Destinataire").fields(party_fields(recipient)),
        Section::new("Envoi").fields(sending),
        Section::new("Procès-verbaux transmis")
            .table(
                &[
                    "PV",
                    "Constaté le",
                    "Auteur et agrément",
                    "Infractions",
                    "Délai",
                    "Pages",
                ],
                rows,
                "Aucun procès-verbal.",
            )
            .fields([
                (
                    "Nombre de procès-verbaux".to_owned(),
                    t.lines.len().to_string(),
                ),
                ("Nombre de pages".to_owned(), total_pages.to_string()),
                ("Dont hors délai".to_owned(), t.void_count.to_string()),
            ]),
        Section {
            heading: w.text("signature").to_owned(),
            blocks: vec![Block::Signature(vec![
                "Pour le bailleur, le correspondant tranquillité-sécurité".to_owned(),
            ])],
        },
    ];
    sections.push(Section::new(w.text("slip_acknowledgement")).paragraph(
        match (&t.acknowledged_at, &t.acknowledged_by) {
            (Some(at), by) => format!(
                "Reçu le {}{}.",
                local_label(at),
                by.as_ref().map(|b| format!(" par {b}")).unwrap_or_default()
            ),
            _ => "Non encore accusé.".to_owned(),
        },
    ));
    let reference = format!(
        "Bordereau du {} ({} PV)",
        day_label(&t.transmitted_on),
        t.lines.len()
    );
    Ok(Document {
        file_name: file_name(
            "bordereau",
            &format!(
                "{}-{}",
                t.transmitted_on,
                &t.id[t.id.len().saturating_sub(8)..]
            ),
        ),
        reference,
        title: w.text("slip_title").to_owned(),
        banner: (t.void_count > 0).then(|| {
            format!(
                "{} ({} sur {})",
                w.text("void_banner"),
                t.void_count,
                t.lines.len()
            )
        }),
        sections,
        wording_version: w.version.clone(),
    })
}
