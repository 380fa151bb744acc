//! The written complaint: the letter to the procureur (direct channel), or the file the
//! bailleur's representative brings to the commissariat (police channel).

use vigie_domain::complaint::Channel;
use vigie_domain::timestamp::{day_label, local_label};
use vigie_domain::wording;

use super::{Block, Document, Section, evidence_rows, file_name, person, witness_rows};
use crate::caller::Caller;
use crate::complaints::get_complaint;
use crate::context::App;
use crate::error::AppResult;

/// The complaint `id` as a document, for whoever may read the complaint (404 otherwise).
pub async fn complaint_document(app: &App, caller: Caller, id: String) -> AppResult<Document> {
    let c = get_complaint(app, caller, id).await?;
    let recipient = app
        .db({
            let parquet = c.parquet_id.clone();
            move |conn| {
                Ok(match parquet {
                    Some(id) => {
                        vigie_store::organisations::find(conn, &id)?.map(|o| (o.name, o.address))
                    }
                    None => None,
                })
            }
        })
        .await?;
    let w = wording::shipped();
    let content = &c.content;
    let direct = c.channel == Channel::DirectToProsecutor;
    let title = if direct {
        w.text("complaint_letter_title")
    } else {
        w.text("complaint_file_title")
    };
    let mut sections = vec![];
    if direct {
        let (name, address) = recipient.unwrap_or_else(|| ("Parquet".to_owned(), None));
        sections.push(
            Section::new("Destinataire")
                .fields([
                    (
                        "À".to_owned(),
                        format!("Monsieur le Procureur de la République, {name}"),
                    ),
                    (
                        "Adresse".to_owned(),
                        address.unwrap_or_else(|| "non renseignée".to_owned()),
                    ),
                ])
                .paragraph(w.text("complaint_letter_opening")),
        );
    } else {
        sections.push(
            Section::new("Service").fields([(
                "Circonscription de police".to_owned(),
                c.circonscription_code
                    .clone()
                    .unwrap_or_else(|| "à déterminer".to_owned()),
            )]),
        );
    }
    if let Some(v) = &content.bailleur_victim {
        let mut f = vec![("Dénomination".to_owned(), v.name.clone())];
        if let Some(s) = &v.siren {
            f.push(("SIREN".to_owned(), s.clone()));
        }
        f.extend([
            ("Siège".to_owned(), v.head_office.clone()),
            (
                "Représentant".to_owned(),
                format!("{}, {}", v.representative, v.representative_capacity),
            ),
            ("Mandat".to_owned(), v.mandate.clone()),
        ]);
        sections.push(Section::new("Victime : la personne morale").fields(f));
    }
    let employees: Vec<Vec<String>> = content
        .employee_victims
        .iter()
        .map(|e| {
            vec![
                e.name.clone(),
                e.role.clone(),
                e.domicile.clone(),
                if e.cmsp_recognised {
                    "oui (personne chargée d'une mission de service public)".to_owned()
                } else {
                    "non".to_owned()
                },
                e.itt_days
                    .map_or_else(String::new, |d| format!("{d} jours")),
            ]
        })
        .collect();
    let mut employees_section = Section::new("Victimes : les salariés").table(
        &[
            "Nom",
            "Fonction",
            "Domicile déclaré",
            "Dans ses fonctions",
            "ITT",
        ],
        employees,
        "Aucun salarié victime.",
    );
    if content
        .employee_victims
        .iter()
        .any(|e| e.professional_address)
    {
        employees_section = employees_section.paragraph(w.text("complaint_domicile"));
    }
    sections.push(employees_section);
    sections.push(
        Section::new("Les faits")
            .fields([
                (
                    "Période".to_owned(),
                    format!(
                        "du {} au {}",
                        local_label(&content.occurred_from),
                        local_label(&content.occurred_to)
                    ),
                ),
                ("Lieu".to_owned(), content.place.clone()),
                ("Commune (INSEE)".to_owned(), content.insee_code.clone()),
            ])
            .paragraph(content.facts.clone()),
    );
    sections.push(
        Section::new("Infractions").table(
            &["Code", "Infraction", "Articles"],
            c.qualifications
                .iter()
                .map(|q| {
                    vec![
                        q.offence_code.clone(),
                        q.label.clone(),
                        q.legal_reference.clone(),
                    ]
                })
                .collect(),
            "À qualifier.",
        ),
    );
    sections.push(Section::new("Auteurs présumés").table(
        &["Personne"],
        content.suspects.iter().map(|p| vec![person(p)]).collect(),
        "Inconnus.",
    ));
    sections.push(Section::new("Témoins").table(
        &["Témoin", "Contact"],
        witness_rows(&content.witnesses),
        "Aucun témoin.",
    ));
    let evidence = evidence_rows(&content.evidence);
    let attachments: Vec<Vec<String>> = evidence
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                format!("Pièce {}", i + 1),
                e[0].clone(),
                e[1].clone(),
                e[2].clone(),
            ]
        })
        .collect();
    sections.push(Section::new("Pièces jointes").table(
        &["Pièce", "Type", "Description", "Référence"],
        attachments,
        "Aucune pièce jointe.",
    ));
    let mut damages = Section::new("Préjudice");
    damages = match &content.damages {
        Some(d) => damages.fields([
            ("Description".to_owned(), d.description.clone()),
            (
                "Estimation".to_owned(),
                d.estimate_eur
                    .map_or_else(|| "non chiffrée".to_owned(), |e| format!("{e} €")),
            ),
        ]),
        None => damages.paragraph("Aucun préjudice matériel déclaré."),
    };
    if content.claims_damages {
        damages = damages.paragraph(w.text("complaint_damages"));
    }
    sections.push(damages);
    if let Some(r) = &c.receipt {
        sections.push(Section::new("Récépissé").fields([
            ("Numéro".to_owned(), r.number.clone()),
            ("Date".to_owned(), day_label(&r.date)),
            ("Service".to_owned(), r.service.clone()),
        ]));
    }
    let signer = content
        .bailleur_victim
        .as_ref()
        .map(|v| format!("{}, {}", v.representative, v.representative_capacity))
        .unwrap_or_else(|| "Le représentant du bailleur".to_owned());
    let mut closing = vec![];
    if direct {
        closing.push(w.text("complaint_closing").to_owned());
    }
    closing.push(signer);
    sections.push(Section {
        heading: w.text("signature").to_owned(),
        blocks: vec![Block::Signature(closing)],
    });
    let reference = match &c.receipt {
        Some(r) => format!("Plainte {} (récépissé {})", short(&c.id), r.number),
        None => format!("Plainte {}", short(&c.id)),
    };
    Ok(Document {
        file_name: file_name("plainte", short(&c.id)),
        reference,
        title: title.to_owned(),
        banner: (c.status.as_str() == "draft").then(|| w.text("draft_banner").to_owned()),
        sections,
        wording_version: w.version.clone(),
    })
}

/// The last eight characters of an id: enough to tell documents apart on paper.
fn short(id: &str) -> &str {
    &id[id.len().saturating_sub(8)..]
}
