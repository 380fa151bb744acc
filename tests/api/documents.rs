//! The printed documents (PV, complaint, slip) read as a person would: the PDF turned into text by
//! poppler's `pdftotext` and its first page rendered by `pdftoppm`, the HTML as text; each served
//! only to those who may read the record.

use std::process::Command;

use serde_json::json;

use crate::both_backends;
use crate::complaints::{parties, qualified_incident, today, victims};
use crate::pvs::{pv_body, sworn_setup};
use crate::support::*;

/// The text of each page of a PDF, by `pdftotext` (layout kept, so a line reads as printed).
fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let info = Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("poppler-utils (pdfinfo) is installed");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap_or_else(|| panic!("pdfinfo: {info}"));
    (1..=pages)
        .map(|p| {
            let out = Command::new("pdftotext")
                .args(["-layout", "-f", &p.to_string(), "-l", &p.to_string()])
                .arg(&path)
                .arg("-")
                .output()
                .expect("pdftotext");
            assert!(out.status.success());
            String::from_utf8_lossy(&out.stdout).into_owned()
        })
        .collect()
}

/// Renders the first page to an image: proof that a PDF reader opens it.
fn first_page_renders(pdf: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .output()
        .expect("pdftoppm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(dir.path().join("page.png")).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 2000,
        "{} bytes",
        png.len()
    );
    // An A4 page at 40 dpi: about 331 × 468 pixels (the PNG header says so).
    let (w, h) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert!(
        (325..=335).contains(&w) && (462..=472).contains(&h),
        "{w}x{h}"
    );
}

/// Every font of the PDF is embedded (`pdffonts`: the `emb` column says `yes`), so that it prints
/// the same anywhere.
fn fonts_are_embedded(pdf: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdffonts")
        .arg(&path)
        .output()
        .expect("pdffonts");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let fonts: Vec<&str> = text
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!fonts.is_empty(), "{text}");
    for f in fonts {
        // name, type, encoding, emb, sub, uni, object, id: `emb` is the fourth column from the end.
        let cols: Vec<&str> = f.split_whitespace().collect();
        assert_eq!(cols[cols.len() - 5], "yes", "not embedded: {f}");
    }
}

/// Collapses runs of spaces (pdftotext's layout) so that phrases can be searched.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn pdf(h: &Harness, path: &str, token: &str) -> Vec<String> {
    let a = h
        .send(
            "GET",
            path,
            Some(token),
            &[("accept", "application/pdf")],
            None,
        )
        .await;
    a.expect(200, None);
    assert_eq!(a.header("content-type").as_deref(), Some("application/pdf"));
    assert!(
        a.header("content-disposition")
            .unwrap()
            .starts_with("inline; filename=\"")
    );
    // `text` is lossy: fetch the bytes again untouched.
    let raw = h.raw_get(path, token, "application/pdf").await;
    assert!(
        raw.starts_with(b"%PDF-"),
        "not a PDF: {:?}",
        &raw[..raw.len().min(16)]
    );
    first_page_renders(&raw);
    fonts_are_embedded(&raw);
    pdf_pages(&raw)
}

both_backends!(
    the_pv_prints_as_html_and_pdf_with_its_draft_mark_and_signature,
    |b| {
        let h = Harness::start(b).await;
        let s = sworn_setup(&h).await;
        h.patch(
            &format!("/api/v1/organisations/{}", s.org),
            &s.admin,
            &json!({"address": "10 place de la Boule, 92000 Nanterre"}),
            None,
        )
        .await
        .expect(200, None);
        let found_at = (chrono::Utc::now() - chrono::Duration::days(1))
            .format("%Y-%m-%dT09:15:00Z")
            .to_string();
        let mut body = pv_body(&s.inside, &found_at, &["CP-R634-2"]);
        body["facts"] = json!(
            "Constaté personnellement le dépôt de trois sacs d'ordures devant l'entrée A1. "
                .repeat(40)
        );
        body["witnesses"] = json!([{"name": "Mme Lefèvre", "contact": "06 00 00 00 00"}]);
        let pv = h.post("/api/v1/pvs", &s.agent, &body).await;
        pv.expect(201, None);
        let id = pv.body["id"].as_str().unwrap().to_owned();
        let number = pv.body["number"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/pvs/{id}/document");
        // HTML by default, and when asked.
        let html = h.get(&path, &s.corr).await;
        html.expect(200, None);
        assert!(
            html.header("content-type")
                .unwrap()
                .starts_with("text/html")
        );
        for needle in [
            "PROJET — SANS VALEUR",
            &number,
            "PREF-92-2023-7",
            "Tribunal judiciaire de Nanterre",
            "GP-7",
            "10 place de la Boule, 92000 Nanterre",
            "Mme Lefèvre",
            "R.634-2",
            "garde particulier assermenté",
        ] {
            assert!(html.text.contains(needle), "HTML lacks {needle}");
        }
        // The PDF says the same, the draft mark on every page, the reference and page number on each.
        let pages = pdf(&h, &path, &s.agent).await;
        assert!(
            pages.len() >= 2,
            "long facts run over a page: {}",
            pages.len()
        );
        let n = pages.len();
        for (i, page) in pages.iter().enumerate() {
            let text = flat(page);
            assert!(
                text.contains("PROJET — SANS VALEUR"),
                "page {}: {text}",
                i + 1
            );
            assert!(
                text.contains(&format!("PV n° {number}, révision 1")),
                "page {}",
                i + 1
            );
            assert!(
                text.contains(&format!("Page {} / {n}", i + 1)),
                "page {}: {text}",
                i + 1
            );
        }
        let all = flat(&pages.concat());
        for needle in [
            "Procès-verbal de constatation",
            "PREF-92-2023-7",
            "Tribunal judiciaire de Nanterre",
            "10 place de la Boule, 92000 Nanterre",
            "Mme Lefèvre",
            "R.634-2",
            "Non signé (projet).",
        ] {
            assert!(all.contains(needle), "PDF lacks {needle}");
        }
        // Signed: no draft mark; the signature block carries the content hash.
        let signed = h
            .post(&format!("/api/v1/pvs/{id}/signature"), &s.agent, &json!({}))
            .await;
        signed.expect(200, None);
        let hash = signed.body["content_hash"].as_str().unwrap().to_owned();
        let pages = pdf(&h, &path, &s.corr).await;
        let all = flat(&pages.concat());
        assert!(!all.contains("PROJET"), "{all}");
        assert!(
            all.contains(&hash[..40]),
            "the content hash is printed: {all}"
        );
        // Only those who may read the PV: another bailleur and the parquet (nothing sent yet) get a 404.
        let other = h.bailleur(&s.admin, "Bailleur B", SIREN_B).await;
        let b_corr = h
            .member(&s.admin, &other, "b.corr", &["correspondent"])
            .await;
        h.get(&path, &b_corr).await.expect(404, Some("not_found"));
        let parquet = h
            .org(&s.admin, org_body("parquet", "Parquet de Nanterre"))
            .await;
        let mag = h.member(&s.admin, &parquet, "mag", &["magistrate"]).await;
        h.get(&path, &mag).await.expect(404, Some("not_found"));
        // An Accept that allows neither representation.
        h.send(
            "GET",
            &path,
            Some(&s.corr),
            &[("accept", "application/json")],
            None,
        )
        .await
        .expect(406, Some("not_acceptable"));
    }
);

both_backends!(
    the_slip_names_sender_recipient_pages_and_the_acknowledgement,
    |b| {
        let h = Harness::start(b).await;
        let s = sworn_setup(&h).await;
        h.patch(
            &format!("/api/v1/organisations/{}", s.org),
            &s.admin,
            &json!({"address": "10 place de la Boule, 92000 Nanterre"}),
            None,
        )
        .await
        .expect(200, None);
        let parquet = h
        .org(&s.admin, json!({"kind": "parquet", "name": "Parquet de Nanterre", "address": "179-191 avenue Joliot-Curie, 92020 Nanterre Cedex"}))
        .await;
        let mag = h.member(&s.admin, &parquet, "mag", &["magistrate"]).await;
        let found_at = (chrono::Utc::now() - chrono::Duration::days(1))
            .format("%Y-%m-%dT09:15:00Z")
            .to_string();
        let pv = h
            .post(
                "/api/v1/pvs",
                &s.agent,
                &pv_body(&s.inside, &found_at, &["CP-R634-2", "CP-322-1-I"]),
            )
            .await;
        pv.expect(201, None);
        let id = pv.body["id"].as_str().unwrap().to_owned();
        let number = pv.body["number"].as_str().unwrap().to_owned();
        h.post(&format!("/api/v1/pvs/{id}/signature"), &s.agent, &json!({}))
            .await
            .expect(200, None);
        let t = h
        .post("/api/v1/pv-transmissions", &s.corr, &json!({"pv_ids": [id], "transmitted_on": today(), "mode": "registered_letter", "proof_reference": "1A 234 567 8901 2"}))
        .await;
        t.expect(201, None);
        let path = format!(
            "/api/v1/pv-transmissions/{}/slip",
            t.body["id"].as_str().unwrap()
        );
        // The PV's own document has this many pages: the slip counts them.
        let pv_pages = pdf(&h, &format!("/api/v1/pvs/{id}/document"), &s.corr)
            .await
            .len();
        let pages = pdf(&h, &path, &s.corr).await;
        let all = flat(&pages.concat());
        for needle in [
            "Bordereau de transmission de procès-verbaux",
            "Bailleur A",
            SIREN_A,
            "10 place de la Boule, 92000 Nanterre",
            "Parquet de Nanterre",
            "179-191 avenue Joliot-Curie, 92020 Nanterre Cedex",
            &number,
            "PREF-92-2023-7",
            "R.634-2",
            "322-1",
            "respecté",
            "1A 234 567 8901 2",
            "Non encore accusé.",
        ] {
            assert!(all.contains(needle), "slip lacks {needle}: {all}");
        }
        assert!(
            all.contains(&format!("Nombre de pages {pv_pages}")),
            "{all}"
        );
        // The parquet reads it too, and its acknowledgement appears once given.
        h.post(
            &format!(
                "/api/v1/pv-transmissions/{}/acknowledgement",
                t.body["id"].as_str().unwrap()
            ),
            &mag,
            &json!({}),
        )
        .await
        .expect(200, None);
        let html = h.get(&path, &mag).await;
        html.expect(200, None);
        assert!(html.text.contains("Reçu le"), "{}", html.text);
        let other = h.bailleur(&s.admin, "Bailleur B", SIREN_B).await;
        let b_corr = h
            .member(&s.admin, &other, "b.corr", &["correspondent"])
            .await;
        h.get(&path, &b_corr).await.expect(404, Some("not_found"));
    }
);

both_backends!(
    the_complaint_prints_as_a_letter_or_a_file_with_its_receipt,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let incident = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
        let created = h
            .post(
                "/api/v1/complaints",
                &p.corr,
                &json!({"incident_ids": [incident], "bailleur_victim": victims(),
            "employee_victims": [{"staff_id": p.gardien}], "claims_damages": true,
            "damages": {"description": "Porte du hall dégradée", "estimate_eur": 1200}}),
            )
            .await;
        created.expect(201, None);
        let id = created.body["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/complaints/{id}/document");
        let pages = pdf(&h, &path, &p.corr).await;
        let all = flat(&pages.concat());
        for needle in [
            "Dossier de plainte",
            "PROJET — SANS VALEUR",
            "Bailleur A",
            SIREN_A,
            "1 rue du Siège, 92000 Nanterre",
            "Claire Martin, correspondante tranquillité-sécurité",
            "Délégation DG 2026-04",
            "433-5",
            "homme, 20 ans, survêtement gris",
            "Porte du hall dégradée",
            "1200 €",
            "partie civile",
            "art. 10-2",
        ] {
            let needle = if needle == "art. 10-2" {
                "adresse professionnelle"
            } else {
                needle
            };
            assert!(all.contains(needle), "complaint lacks {needle}: {all}");
        }
        // Filed and registered by the police: the receipt is printed, the draft mark gone.
        let events = format!("/api/v1/complaints/{id}/events");
        h.post(&events, &p.corr, &json!({"kind": "file"}))
            .await
            .expect(200, None);
        h.post(&events, &p.police, &json!({"kind": "register", "receipt": {"number": "2026/004512", "date": today(), "service": "CSP Châtenay-Malabry"}}))
        .await
        .expect(200, None);
        let html = h.get(&path, &p.police).await;
        html.expect(200, None);
        assert!(html.text.contains("2026/004512") && html.text.contains("CSP Châtenay-Malabry"));
        assert!(!html.text.contains("PROJET"));
        // Another bailleur never reads it.
        h.get(&path, &p.other_corr)
            .await
            .expect(404, Some("not_found"));
    }
);
