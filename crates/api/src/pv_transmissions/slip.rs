//! The transmission slip as a printable HTML page.

use vigie_app::pv_transmissions::Transmission;
use vigie_domain::pv::TransmissionMode;

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// The slip as a printable page: the bailleur, the parquet, the mode and proof, and per PV its
/// number, author, dates, NATINF codes and hash.
pub fn slip_html(t: &Transmission) -> String {
    let mut rows = String::new();
    for l in &t.lines {
        let natinf: Vec<String> = l
            .offences
            .iter()
            .map(|o| match o.natinf {
                Some(n) => format!("{} (NATINF {n})", esc(&o.label)),
                None => format!("{} (NATINF non renseigné)", esc(&o.label)),
            })
            .collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            esc(&format!("{} r{}", l.number, l.revision)),
            esc(&l.author),
            l.found_on,
            l.deadline,
            natinf.join("<br>"),
            if l.void { "<strong>HORS DÉLAI : nul</strong>" } else { "dans le délai" },
            esc(&l.content_hash),
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Bordereau de transmission {id}</title>\n\
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #444;padding:4px;vertical-align:top}}</style></head>\n\
<body><h1>Bordereau de transmission de procès-verbaux</h1>\n\
<p>Expéditeur : {bailleur}<br>Destinataire : {parquet}<br>Date de transmission : {on}<br>Mode : {mode}<br>Preuve : {proof}{opj}</p>\n\
<table><thead><tr><th>PV</th><th>Auteur</th><th>Constatation</th><th>Échéance</th><th>Infractions (NATINF)</th><th>Délai</th><th>Empreinte</th></tr></thead>\n<tbody>\n{rows}</tbody></table>\n\
<p>{count} procès-verbal(aux), dont {void} hors délai.</p>\n<p>Accusé de réception : {ack}</p>\n</body></html>\n",
        id = esc(&t.id),
        bailleur = esc(&t.bailleur),
        parquet = esc(&t.parquet),
        on = t.transmitted_on,
        mode = match t.mode {
            TransmissionMode::RegisteredLetter => "lettre recommandée",
            TransmissionMode::HandDelivery => "remise en main propre",
            TransmissionMode::ViaOpj => "par l'intermédiaire d'un OPJ",
        },
        proof = esc(&t.proof_reference),
        opj = t
            .opj
            .as_deref()
            .map(|o| format!("<br>OPJ : {}", esc(o)))
            .unwrap_or_default(),
        count = t.lines.len(),
        void = t.void_count,
        ack = t
            .acknowledged_at
            .map(|a| a.format("%d/%m/%Y %H:%M UTC").to_string())
            .unwrap_or_else(|| "en attente".into()),
    )
}
