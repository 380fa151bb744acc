//! Retention: every record shows why and until when it is kept; a run anonymises what is past its
//! end (nowhere named any more: record, lists, feed, complaint facts, printed documents), a dry run
//! changes nothing, a legal hold suspends the end until the party that placed it releases it, and
//! runs are safe side by side.

use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use crate::both_backends;
use crate::complaints::{Parties, draft_complaint, filed_complaint, parties, qualified_incident};
use crate::support::*;

/// Noon (UTC) of the day `years` years before today in France.
fn years_ago(years: i32) -> String {
    let today = vigie_domain::pv::local_day(chrono::Utc::now());
    let back =
        NaiveDate::from_ymd_opt(today.year() - years, today.month(), today.day().min(28)).unwrap();
    format!("{back}T12:00:00Z")
}

/// An incident naming `who` (a suspect and a witness), with facts `years` years ago, qualified
/// with `code`.
async fn named_incident(h: &Harness, p: &Parties, who: &str, years: i32, code: &str) -> String {
    let mut body = incident_body(&p.res, "dumping");
    body["occurred_at"] = json!(years_ago(years));
    body["narrative"] = json!(format!("{who} a déposé un matelas devant l'entrée B."));
    body["building"] = json!("B");
    body["external_ref"] = json!(erp_ref(who));
    body["persons"] = json!([{"kind": "identified", "name": who}]);
    body["witnesses"] = json!([{"name": "Témoin du hall", "contact": "06 12 34 56 78"}]);
    body["victims"] = json!([{"kind": "staff", "staff_id": p.gardien, "acting_in_functions": true, "itt_days": 2}]);
    let i = h.post("/api/v1/incidents", &p.corr, &body).await;
    i.expect(201, None);
    let id = i.body["id"].as_str().unwrap().to_owned();
    h.qualify(&p.corr, &id, code).await.expect(200, None);
    id
}

/// The ERP's reference of the incident naming `who` (an ERP's number, not the name).
fn erp_ref(who: &str) -> String {
    format!("ERP-{}", who.chars().map(u32::from).sum::<u32>())
}

async fn start_run(h: &Harness, token: &str, body: Value) -> Answer {
    h.post("/api/v1/retention-runs", token, &body).await
}

fn listed(run: &Answer) -> Vec<String> {
    run.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}:{}",
                r["record_type"].as_str().unwrap(),
                r["record_id"].as_str().unwrap()
            )
        })
        .collect()
}

both_backends!(
    a_record_past_its_end_is_anonymised_everywhere_and_a_dry_run_changes_nothing,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let admin = h.admin().await;
        let dpo = h.member(&admin, &p.org, "a.dpo", &["dpo"]).await;
        // A contravention two years old: prescribed a year ago, nothing done.
        let old = named_incident(&h, &p, "Jean Oubliédupont", 2, "CP-R634-2").await;
        // The same kind of facts last month: kept.
        let recent = named_incident(&h, &p, "Paul Récent", 0, "CP-R634-2").await;
        // A délit seven years old in a complaint drafted and never lodged: both past their end.
        let drafted = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
        let cur = h
            .get(&format!("/api/v1/incidents/{drafted}"), &p.corr)
            .await;
        let mut narrative = json!({"occurred_at": years_ago(7), "narrative": "Insultes de Marc Plaignantin au gardien."});
        narrative["persons"] = json!([{"kind": "identified", "name": "Marc Plaignantin"}]);
        h.patch(
            &format!("/api/v1/incidents/{drafted}"),
            &p.corr,
            &narrative,
            cur.header("etag").as_deref(),
        )
        .await
        .expect(200, None);
        let complaint_id = draft_complaint(&h, &p, &drafted).await;
        let complaint = h
            .get(&format!("/api/v1/complaints/{complaint_id}"), &p.corr)
            .await;
        assert!(complaint.text.contains("Marc Plaignantin"));

        // Each record shows its basis and end on its own page.
        let page = h.get(&format!("/api/v1/incidents/{old}"), &p.corr).await;
        assert_eq!(page.body["retention"]["basis"], "prescription_of_action");
        assert_eq!(page.body["retention"]["legal_hold"], false);
        let ends: NaiveDate = page.body["retention"]["ends_on"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(ends < vigie_domain::pv::local_day(chrono::Utc::now()));
        let c = h
            .get(&format!("/api/v1/complaints/{complaint_id}"), &p.corr)
            .await;
        assert_eq!(c.body["retention"]["basis"], "prescription_of_action");
        let fresh = h.get(&format!("/api/v1/incidents/{recent}"), &p.corr).await;
        assert!(fresh.body["retention"]["ends_on"].as_str().unwrap() > today_str().as_str());

        // Only the platform admin runs; a DPO previews its own; nobody else.
        start_run(&h, &dpo, json!({}))
            .await
            .expect(403, Some("forbidden"));
        start_run(&h, &p.corr, json!({"dry_run": true}))
            .await
            .expect(403, Some("forbidden"));
        start_run(&h, &p.police, json!({"dry_run": true}))
            .await
            .expect(403, Some("forbidden"));
        start_run(&h, &admin, json!({"dry_run": "yes"}))
            .await
            .expect(422, Some("validation_failed"));

        // A dry run says what and why, and changes nothing.
        let before = h.get(&format!("/api/v1/incidents/{old}"), &p.corr).await;
        let dry = start_run(&h, &dpo, json!({"dry_run": true})).await;
        dry.expect(201, None);
        assert_eq!(dry.body["dry_run"], true);
        assert_eq!(dry.body["anonymised"], 0);
        let would = listed(&dry);
        for r in [
            format!("incident:{old}"),
            format!("incident:{drafted}"),
            format!("complaint:{complaint_id}"),
        ] {
            assert!(would.contains(&r), "{r} in {would:?}");
        }
        assert!(!would.contains(&format!("incident:{recent}")));
        let basis = dry.body["records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["record_id"] == old.as_str())
            .unwrap()["basis"]
            .clone();
        assert_eq!(basis, "prescription_of_action");
        let after = h.get(&format!("/api/v1/incidents/{old}"), &p.corr).await;
        assert_eq!(before.body, after.body, "a dry run changes nothing");
        // Another bailleur's DPO sees nothing of A's.
        let b_org = bailleur_b(&h, &admin).await;
        let b_admin_dpo = h.member(&admin, &b_org, "b.dpo", &["dpo"]).await;
        let other = start_run(&h, &b_admin_dpo, json!({"dry_run": true})).await;
        other.expect(201, None);
        assert_eq!(other.body["records"], json!([]));

        // The run.
        let done = start_run(&h, &admin, json!({})).await;
        done.expect(201, None);
        let location = done.header("location").unwrap();
        assert!(
            done.body["anonymised"].as_i64().unwrap() >= 3,
            "{}",
            done.text
        );
        let got = listed(&done);
        assert!(got.contains(&format!("incident:{old}")));
        assert!(got.contains(&format!("complaint:{complaint_id}")));
        assert_eq!(
            h.get(&location, &admin).await.body["anonymised"],
            done.body["anonymised"]
        );

        // Nowhere named any more: the record, the lists, the complaint and its document, the feed.
        let gone = h.get(&format!("/api/v1/incidents/{old}"), &p.corr).await;
        gone.expect(200, None);
        assert_eq!(gone.body["narrative"], "[anonymisé]");
        assert_eq!(gone.body["persons"], json!([]));
        assert_eq!(gone.body["witnesses"], json!([]));
        assert!(gone.body.get("building").is_none());
        assert_eq!(
            gone.body["category"], "dumping",
            "the facts' category stays"
        );
        assert_eq!(
            gone.body["residence_id"],
            p.res.as_str(),
            "the residence stays"
        );
        assert_eq!(
            gone.body["victims"][0]["itt_days"], 2,
            "what statistics count stays"
        );
        assert!(gone.body["retention"]["anonymised_at"].is_string());
        for name in ["Oubliédupont", "Plaignantin"] {
            for path in [
                "/api/v1/incidents?limit=100",
                "/api/v1/complaints?limit=100",
                "/api/v1/events?limit=1000",
            ] {
                let text = h.get(path, &p.corr).await.text;
                assert!(!text.contains(name), "{name} still in {path}");
            }
            let c = h
                .get(&format!("/api/v1/complaints/{complaint_id}"), &p.corr)
                .await;
            assert!(!c.text.contains(name), "{name} still in the complaint");
            let doc = h
                .raw_get(
                    &format!("/api/v1/complaints/{complaint_id}/document"),
                    &p.corr,
                    "text/html",
                )
                .await;
            assert!(
                !String::from_utf8_lossy(&doc).contains(name),
                "{name} still in the complaint's document"
            );
        }
        assert!(
            h.get(&format!("/api/v1/incidents/{recent}"), &p.corr)
                .await
                .text
                .contains("Paul Récent")
        );
        let feed = h.get("/api/v1/events?limit=1000", &p.corr).await;
        let anonymised: Vec<&Value> = feed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "incident.anonymised" || e["type"] == "complaint.anonymised")
            .collect();
        assert!(
            anonymised.iter().any(|e| e["resource_id"] == old.as_str()
                && e["data"]["basis"] == "prescription_of_action")
        );
        assert!(
            anonymised
                .iter()
                .any(|e| e["resource_id"] == complaint_id.as_str())
        );
        // Audited, and the trail still verifies.
        let audit = h
            .get("/api/v1/audit?action=incident.anonymised&limit=100", &admin)
            .await;
        assert!(audit.text.contains(&old));
        let verify = h.get("/api/v1/audit/verify", &admin).await;
        assert_eq!(verify.body["breaks"], json!([]), "{}", verify.text);

        // A second run finds nothing new; an anonymised record cannot be held.
        let again = start_run(&h, &admin, json!({})).await;
        assert_eq!(again.body["anonymised"], 0);
        h.post(
            "/api/v1/legal-holds",
            &p.corr,
            &json!({"record_type": "incident", "record_id": old, "reason": "litige"}),
        )
        .await
        .expect(409, Some("record_anonymised"));
        let runs = h.get("/api/v1/retention-runs", &admin).await;
        assert!(runs.body["items"].as_array().unwrap().len() >= 3);
        // Nothing names anyone in it again: not a change, not the ERP's batch met again, not a
        // step of the drafted complaint.
        let cur = h.get(&format!("/api/v1/incidents/{old}"), &p.corr).await;
        h.patch(
            &format!("/api/v1/incidents/{old}"),
            &p.corr,
            &json!({"narrative": "Jean Oubliédupont encore"}),
            cur.header("etag").as_deref(),
        )
        .await
        .expect(409, Some("record_anonymised"));
        let batch = format!(
            "external_ref;residence_ref;occurred_at;category;narrative;offence_codes\n\
             {};SCEAUX-1;{};dumping;Jean Oubliédupont encore;CP-R634-2\n",
            erp_ref("Jean Oubliédupont"),
            years_ago(2)
        );
        let job =
            crate::imports::import(&h, &p.corr, "?mode=valid_rows_only", batch.into_bytes()).await;
        assert_eq!(
            (job["updated"].as_i64(), job["failed"].as_i64()),
            (Some(0), Some(1)),
            "{job}"
        );
        let errors = h.get(job["errors"].as_str().unwrap(), &p.corr).await;
        assert_eq!(errors.body["items"][0]["code"], "record_anonymised");
        h.post(
            &format!("/api/v1/complaints/{complaint_id}/events"),
            &p.corr,
            &json!({"kind": "file"}),
        )
        .await
        .expect(409, Some("record_anonymised"));
        assert!(
            !h.get(&format!("/api/v1/incidents/{old}"), &p.corr)
                .await
                .text
                .contains("Oubliédupont")
        );
    }
);

/// The other bailleur of `parties`.
async fn bailleur_b(h: &Harness, admin: &str) -> String {
    let orgs = h.get("/api/v1/organisations?limit=100", admin).await;
    orgs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Bailleur B")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn today_str() -> String {
    vigie_domain::pv::local_day(chrono::Utc::now()).to_string()
}

both_backends!(
    a_legal_hold_suspends_the_end_until_its_owner_releases_it,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let admin = h.admin().await;
        let dpo = h.member(&admin, &p.org, "a.dpo", &["dpo"]).await;
        let held = named_incident(&h, &p, "Luc Enlitige", 2, "CP-R634-2").await;
        let body = json!({"record_type": "incident", "record_id": held, "reason": "Litige en cours, TJ Nanterre RG 26/0042"});
        // Not the police, not another bailleur (not theirs: 404), not the DPO (reads only).
        h.post("/api/v1/legal-holds", &p.police, &body)
            .await
            .expect(403, Some("forbidden"));
        h.post("/api/v1/legal-holds", &p.other_corr, &body)
            .await
            .expect(404, Some("not_found"));
        h.post("/api/v1/legal-holds", &dpo, &body)
            .await
            .expect(403, Some("forbidden"));
        // The parquet's magistrate does not see an incident that is not before it.
        h.post("/api/v1/legal-holds", &p.mag, &body)
            .await
            .expect(404, Some("not_found"));
        h.post(
            "/api/v1/legal-holds",
            &p.corr,
            &json!({"record_type": "incident", "record_id": held, "reason": ""}),
        )
        .await
        .expect(422, Some("validation_failed"));
        let hold = h.post("/api/v1/legal-holds", &p.corr, &body).await;
        hold.expect(201, None);
        let hold_id = hold.body["id"].as_str().unwrap().to_owned();
        assert_eq!(
            hold.header("location").unwrap(),
            format!("/api/v1/legal-holds/{hold_id}")
        );
        let page = h.get(&format!("/api/v1/incidents/{held}"), &p.corr).await;
        assert_eq!(page.body["retention"]["basis"], "legal_hold");
        assert_eq!(page.body["retention"]["legal_hold"], true);
        assert!(page.body["retention"].get("ends_on").is_none());
        // The run leaves it named.
        let first = h.post("/api/v1/retention-runs", &admin, &json!({})).await;
        first.expect(201, None);
        assert!(!listed(&first).contains(&format!("incident:{held}")));
        assert!(
            h.get(&format!("/api/v1/incidents/{held}"), &p.corr)
                .await
                .text
                .contains("Luc Enlitige")
        );
        // The DPO reads the holds; another bailleur does not see this one.
        let holds = h
            .get(
                &format!("/api/v1/legal-holds?record_id={held}&active=true"),
                &dpo,
            )
            .await;
        assert_eq!(holds.body["items"][0]["id"], hold_id.as_str());
        h.get(&format!("/api/v1/legal-holds/{hold_id}"), &p.other_corr)
            .await
            .expect(404, Some("not_found"));
        // Released by the organisation that placed it only, once.
        let release = format!("/api/v1/legal-holds/{hold_id}/release");
        h.post(&release, &dpo, &json!({}))
            .await
            .expect(403, Some("forbidden"));
        h.post(&release, &p.other_corr, &json!({}))
            .await
            .expect(404, Some("not_found"));
        let released = h.post(&release, &p.corr, &json!({})).await;
        released.expect(200, None);
        assert_eq!(released.body["active"], false);
        h.post(&release, &p.corr, &json!({}))
            .await
            .expect(409, Some("hold_released"));
        // Then the end applies again: two runs side by side anonymise it once.
        let (a, b) = tokio::join!(
            vigie_app::retention::run::run_now(&h.app, "test-a", None, false, false),
            vigie_app::retention::run::run_now(&h.app, "test-b", None, false, false),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.anonymised + b.anonymised, 1, "{a:?} {b:?}");
        let feed = h.get("/api/v1/events?limit=1000", &p.corr).await;
        let events = feed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "incident.anonymised" && e["resource_id"] == held.as_str())
            .count();
        assert_eq!(events, 1);
        assert!(
            !h.get(&format!("/api/v1/incidents/{held}"), &p.corr)
                .await
                .text
                .contains("Enlitige")
        );
        // The daily run is claimed once per day.
        assert!(
            vigie_app::retention::run::daily(&h.app)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            vigie_app::retention::run::daily(&h.app)
                .await
                .unwrap()
                .is_none()
        );
        let runs = h.get("/api/v1/retention-runs?limit=1", &admin).await;
        assert_eq!(runs.body["items"][0]["scheduled"], true);
        // The DPO reads its own runs only (a scheduled run covers everyone: the admin's).
        h.get("/api/v1/retention-runs", &p.corr)
            .await
            .expect(403, Some("forbidden"));
    }
);

both_backends!(
    a_dpo_answers_access_and_erasure_requests_with_nobody_elses_data,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let admin = h.admin().await;
        let dpo = h.member(&admin, &p.org, "a.dpo", &["dpo"]).await;
        // Named as a suspect in a recent incident, with another person as witness.
        let plain = named_incident(&h, &p, "Jérôme Dupont-Lefèvre", 0, "CP-R634-2").await;
        // Named again in an incident whose complaint is lodged: a legal action is under way.
        let lodged = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
        let cur = h.get(&format!("/api/v1/incidents/{lodged}"), &p.corr).await;
        h.patch(
            &format!("/api/v1/incidents/{lodged}"),
            &p.corr,
            &json!({"persons": [{"kind": "identified", "name": "DUPONT-LEFEVRE Jerome"}, {"kind": "identified", "name": "Autre Complice"}]}),
            cur.header("etag").as_deref(),
        )
        .await
        .expect(200, None);
        let complaint = filed_complaint(&h, &p, &lodged).await;
        // Another bailleur's record naming the same person is not this DPO's.
        let b_org = bailleur_b(&h, &admin).await;
        let b_admin = h
            .member(&admin, &b_org, "b.adm", &["correspondent", "admin"])
            .await;
        let other_res = h.residence(&b_admin, "B-1", "92071").await;
        let mut theirs = incident_body(&other_res, "dumping");
        theirs["persons"] = json!([{"kind": "identified", "name": "Jérôme Dupont-Lefèvre"}]);
        let theirs = h.post("/api/v1/incidents", &b_admin, &theirs).await;
        theirs.expect(201, None);

        let who = json!({"name": "jerome dupont-lefèvre"});
        // The DPO's business only.
        for t in [&p.corr, &p.police, &admin] {
            h.post("/api/v1/data-subject-requests/access", t, &who)
                .await
                .expect(403, Some("forbidden"));
        }
        h.post(
            "/api/v1/data-subject-requests/access",
            &dpo,
            &json!({"name": ""}),
        )
        .await
        .expect(422, Some("validation_failed"));

        let access = h
            .post("/api/v1/data-subject-requests/access", &dpo, &who)
            .await;
        access.expect(200, None);
        let records = access.body["records"].as_array().unwrap();
        let found: Vec<(String, String)> = records
            .iter()
            .map(|r| {
                (
                    r["record_type"].as_str().unwrap().to_owned(),
                    r["record_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for r in [
            ("incident", &plain),
            ("incident", &lodged),
            ("complaint", &complaint),
        ] {
            assert!(
                found.contains(&(r.0.to_owned(), r.1.clone())),
                "{r:?} in {found:?}"
            );
        }
        assert_eq!(found.len(), 3, "nothing of another bailleur: {found:?}");
        // Only the person's entries: not the witness, not the accomplice, not the narrative.
        for other in ["Témoin du hall", "Complice", "matelas", "Claire Martin"] {
            assert!(!access.text.contains(other), "{other} in the export");
        }
        let incident = records
            .iter()
            .find(|r| r["record_id"] == plain.as_str())
            .unwrap();
        assert_eq!(incident["mentions"][0]["field"], "persons[0]");
        assert_eq!(
            incident["mentions"][0]["data"]["name"],
            "Jérôme Dupont-Lefèvre"
        );
        assert_eq!(incident["narrative_withheld"], true);
        assert_eq!(incident["facts"]["category"], "dumping");
        // Each record returned is journaled with the request's purpose.
        let journal = h
            .get(
                &format!("/api/v1/access-journal?resource_id={complaint}"),
                &dpo,
            )
            .await;
        assert!(
            journal.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["purpose"] == "data_subject_request")
        );

        // Erasure: refused where a legal action is under way, allowed elsewhere; nothing changes.
        let erasure = h
            .post("/api/v1/data-subject-requests/erasure", &dpo, &who)
            .await;
        erasure.expect(200, None);
        let decision = |id: &str| {
            erasure.body["records"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["record_id"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(decision(&plain)["decision"], "erase");
        let refused = decision(&complaint);
        assert_eq!(refused["decision"], "refuse");
        assert_eq!(refused["legal_basis"], "GDPR art. 17(3)(e)");
        assert!(
            refused["reason"]
                .as_str()
                .unwrap()
                .contains("proceedings_open")
        );
        assert_eq!(
            decision(&lodged)["decision"],
            "refuse",
            "the incident of a lodged complaint"
        );
        assert!(
            h.get(&format!("/api/v1/incidents/{plain}"), &p.corr)
                .await
                .text
                .contains("Dupont-Lefèvre")
        );
        // A date of birth where none is recorded still finds the records stating the name.
        let with_birth = h
            .post(
                "/api/v1/data-subject-requests/access",
                &dpo,
                &json!({"name": "Dupont-Lefèvre Jérôme", "birth_date": "1990-04-12"}),
            )
            .await;
        assert_eq!(with_birth.body["records"].as_array().unwrap().len(), 3);
        let nobody = h
            .post(
                "/api/v1/data-subject-requests/access",
                &dpo,
                &json!({"name": "Personne Inconnue"}),
            )
            .await;
        assert_eq!(nobody.body["records"], json!([]));
    }
);

/// A day `years` years before today in France (the 28th at the latest, so it exists every year).
fn day_years_ago(years: i32, plus_days: u64) -> String {
    let today = vigie_domain::pv::local_day(chrono::Utc::now());
    let back =
        NaiveDate::from_ymd_opt(today.year() - years, today.month(), today.day().min(28)).unwrap();
    (back + chrono::Days::new(plus_days)).to_string()
}

both_backends!(
    the_prefets_dossiers_end_too_held_by_the_prefecture_anonymised_by_the_run,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let admin = h.admin().await;
        let prefecture = h
            .org(
                &admin,
                org_body("prefecture", "Préfecture des Hauts-de-Seine"),
            )
            .await;
        let officer = h
            .member(&admin, &prefecture, "pref.officer", &["prefecture_officer"])
            .await;
        let ban_body = |who: &str, start: String, end: String| {
            json!({"bailleur_id": p.org, "residence_id": p.res, "person": {"name": who, "birth_date": "1999-02-03"},
                "places": {"buildings": ["B"], "common_parts": ["hall B2"]},
                "grounds": format!("Occupation répétée du hall B2 par {who}."),
                "start": start.clone(), "end": end, "procureur_informed_on": start})
        };
        // A ban that ended seven years ago: a breach of it (a délit) is prescribed after six.
        let old_ban = h
            .post(
                "/api/v1/bans",
                &officer,
                &ban_body(
                    "Yvon Bannidupont",
                    day_years_ago(7, 0),
                    day_years_ago(7, 20),
                ),
            )
            .await;
        old_ban.expect(201, None);
        let old_ban = old_ban.body["id"].as_str().unwrap().to_owned();
        let recent_ban = h
            .post(
                "/api/v1/bans",
                &officer,
                &ban_body("Zoé Récente", today_str(), today_str()),
            )
            .await;
        recent_ban.expect(201, None);
        let recent_ban = recent_ban.body["id"].as_str().unwrap().to_owned();
        let ban_page = h.get(&format!("/api/v1/bans/{old_ban}"), &officer).await;
        assert_eq!(
            ban_page.body["retention"]["basis"], "prescription_of_breach",
            "{}",
            ban_page.text
        );
        assert_eq!(
            ban_page.body["retention"]["ends_on"],
            day_years_ago(1, 20),
            "six years after the ban's last day"
        );

        // Two injunction dossiers whose last step was eleven years ago (the policy keeps them ten).
        let mut dossiers = vec![];
        for tenant in ["Xavier Locatairou", "Victor Gardélitige"] {
            let created = h
                .post(
                    "/api/v1/injunctions",
                    &officer,
                    &json!({"bailleur_id": p.org, "residence_id": p.res,
                        "tenant": {"name": tenant, "dwelling": "Bât. B, porte 31", "lease_ref": "BAIL-31"},
                        "grounds": format!("Trafic imputé à {tenant} dans le hall B2."), "issued_on": today_str()}),
                )
                .await;
            created.expect(201, None);
            let id = created.body["id"].as_str().unwrap().to_owned();
            h.db.execute(&format!(
                "UPDATE injunctions SET procedure = REPLACE(procedure, '\"issued_on\":\"{}\"', '\"issued_on\":\"{}\"') WHERE id = '{id}'",
                today_str(),
                day_years_ago(11, 0)
            ));
            dossiers.push(id);
        }
        let (dossier, held) = (dossiers[0].clone(), dossiers[1].clone());
        let page = h
            .get(&format!("/api/v1/injunctions/{dossier}"), &p.corr)
            .await;
        assert_eq!(page.body["retention"]["basis"], "dossier_last_step");
        assert_eq!(page.body["retention"]["ends_on"], day_years_ago(1, 0));

        // The préfecture holds its dossiers (not the bailleur's incidents); the police do not
        // hold; the landlord cannot lift the préfecture's hold.
        let hold = |t: &str, kind: &str, id: &str| {
            let body = json!({"record_type": kind, "record_id": id, "reason": "Recours devant le tribunal administratif"});
            let t = t.to_owned();
            let h = &h;
            async move { h.post("/api/v1/legal-holds", &t, &body).await }
        };
        let incident = named_incident(&h, &p, "Jean Horsdossier", 0, "CP-R634-2").await;
        hold(&officer, "incident", &incident)
            .await
            .expect(404, Some("not_found"));
        hold(&p.police, "ban", &old_ban)
            .await
            .expect(403, Some("forbidden"));
        hold(&p.other_corr, "injunction", &held)
            .await
            .expect(404, Some("not_found"));
        let placed = hold(&officer, "injunction", &held).await;
        placed.expect(201, None);
        let hold_path = format!(
            "/api/v1/legal-holds/{}/release",
            placed.body["id"].as_str().unwrap()
        );
        h.post(&hold_path, &p.corr, &json!({}))
            .await
            .expect(403, Some("forbidden"));
        assert_eq!(
            h.get(&format!("/api/v1/injunctions/{held}"), &officer)
                .await
                .body["retention"]["basis"],
            "legal_hold"
        );

        // The run anonymises the old ban and the dossier, not the held one nor the recent ban.
        let done = start_run(&h, &admin, json!({})).await;
        done.expect(201, None);
        let got = listed(&done);
        assert!(got.contains(&format!("ban:{old_ban}")), "{got:?}");
        assert!(got.contains(&format!("injunction:{dossier}")), "{got:?}");
        assert!(!got.contains(&format!("injunction:{held}")), "{got:?}");
        assert!(!got.contains(&format!("ban:{recent_ban}")), "{got:?}");

        let ban = h.get(&format!("/api/v1/bans/{old_ban}"), &officer).await;
        assert_eq!(ban.body["person"]["name"], "[anonymisé]");
        assert!(ban.body["person"].get("birth_date").is_none());
        assert_eq!(ban.body["grounds"], "[anonymisé]");
        assert_eq!(ban.body["places"]["buildings"], json!([]));
        assert_eq!(
            ban.body["residence_id"],
            p.res.as_str(),
            "the residence stays"
        );
        assert_eq!(ban.body["end"], day_years_ago(7, 20), "the dates stay");
        let dossier_page = h
            .get(&format!("/api/v1/injunctions/{dossier}"), &officer)
            .await;
        assert_eq!(dossier_page.body["tenant"]["name"], "[anonymisé]");
        assert_eq!(dossier_page.body["status"], "awaiting_answer");
        assert!(dossier_page.body["retention"]["anonymised_at"].is_string());
        for name in ["Bannidupont", "Locatairou"] {
            for (path, t) in [
                ("/api/v1/bans?limit=100", &officer),
                ("/api/v1/bans?limit=100", &p.corr),
                ("/api/v1/injunctions?limit=100", &officer),
                ("/api/v1/injunctions?limit=100", &p.corr),
                ("/api/v1/events?limit=1000", &officer),
                ("/api/v1/events?limit=1000", &p.corr),
            ] {
                let text = h.get(path, t).await.text;
                assert!(!text.contains(name), "{name} still in {path}");
            }
        }
        for kept in ["Zoé Récente", "Victor Gardélitige"] {
            let lists = h.get("/api/v1/bans?limit=100", &officer).await.text
                + &h.get("/api/v1/injunctions?limit=100", &officer).await.text;
            assert!(lists.contains(kept), "{kept} is kept");
        }
        let events = h.get("/api/v1/events?limit=1000", &officer).await;
        for (kind, id, basis) in [
            ("ban.anonymised", &old_ban, "prescription_of_breach"),
            ("injunction.anonymised", &dossier, "dossier_last_step"),
        ] {
            assert!(
                events.body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["type"] == kind
                        && e["resource_id"] == id.as_str()
                        && e["data"]["basis"] == basis),
                "{kind} for {id}: {}",
                events.text
            );
        }
        // Nobody writes into them again.
        h.post(
            &format!("/api/v1/bans/{old_ban}/acknowledgement"),
            &p.corr,
            &json!({}),
        )
        .await
        .expect(409, Some("record_anonymised"));
        h.post(
            &format!("/api/v1/injunctions/{dossier}/steps"),
            &p.corr,
            &json!({"kind": "accept", "answered_on": today_str()}),
        )
        .await
        .expect(409, Some("record_anonymised"));
        let verify = h.get("/api/v1/audit/verify", &admin).await;
        assert_eq!(verify.body["breaks"], json!([]), "{}", verify.text);

        // Released by its owner, the held dossier goes at the next run.
        h.post(&hold_path, &officer, &json!({}))
            .await
            .expect(200, None);
        let next = start_run(&h, &admin, json!({})).await;
        assert!(
            listed(&next).contains(&format!("injunction:{held}")),
            "{}",
            next.text
        );
    }
);
