//! Prescription alerts: the incidents whose public action will be prescribed within 90 days with
//! nothing done, for the bailleur's correspondent, and announced once per threshold in the feed.

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::both_backends;
use crate::complaints::{parties, qualified_incident, victims};
use crate::support::*;

/// Noon (UTC) of the day `years` years and `days` days before today in France.
fn facts_ago(years: i32, days: i64) -> String {
    let today = vigie_domain::pv::local_day(chrono::Utc::now());
    let back =
        NaiveDate::from_ymd_opt(today.year() - years, today.month(), today.day().min(28)).unwrap();
    format!("{}T12:00:00Z", back + chrono::Duration::days(days))
}

both_backends!(
    incidents_about_to_be_prescribed_are_listed_and_announced_once,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        // A contravention one year old but 40 days: prescribed in about 40 days (threshold 60).
        let mut dumping = incident_body(&p.res, "dumping");
        dumping["occurred_at"] = json!(facts_ago(1, 40));
        let d = h.post("/api/v1/incidents", &p.corr, &dumping).await;
        d.expect(201, None);
        let dumping_id = d.body["id"].as_str().unwrap().to_owned();
        h.send(
            "PUT",
            &format!("/api/v1/incidents/{dumping_id}/qualifications"),
            Some(&p.corr),
            &[("content-type", "application/json")],
            Some(
                json!({"qualifications": [{"offence_code": "CP-R634-2"}]})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await
        .expect(200, None);
        // Two délits six years old but 20 days: one with a complaint (something was done), one without.
        let mut ids = vec![];
        for _ in 0..2 {
            let id = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
            let cur = h.get(&format!("/api/v1/incidents/{id}"), &p.corr).await;
            h.patch(
                &format!("/api/v1/incidents/{id}"),
                &p.corr,
                &json!({"occurred_at": facts_ago(6, 20)}),
                cur.header("etag").as_deref(),
            )
            .await
            .expect(200, None);
            ids.push(id);
        }
        h.post(
            "/api/v1/complaints",
            &p.corr,
            &json!({"incident_ids": [ids[0]], "bailleur_victim": victims(),
        "employee_victims": [{"staff_id": p.gardien}], "claims_damages": false}),
        )
        .await
        .expect(201, None);
        // A recent incident is far from prescription.
        qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
        let list = h.get("/api/v1/prescription-alerts", &p.corr).await;
        list.expect(200, None);
        let items = list.body["items"].as_array().unwrap().clone();
        let got: Vec<(&str, u64)> = items
            .iter()
            .map(|a| {
                (
                    a["incident_id"].as_str().unwrap(),
                    a["threshold_days"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![(ids[1].as_str(), 30), (dumping_id.as_str(), 60)],
            "{}",
            list.text
        );
        let days = items[0]["days_left"].as_i64().unwrap();
        assert!((19..=21).contains(&days), "{days}");
        // Narrower window; paging like every list.
        let soon = h
            .get("/api/v1/prescription-alerts?within_days=30", &p.corr)
            .await;
        assert_eq!(soon.body["items"].as_array().unwrap().len(), 1);
        let first = h.get("/api/v1/prescription-alerts?limit=1", &p.corr).await;
        let next = first.body["next"].as_str().unwrap().to_owned();
        assert_eq!(
            h.get(&next, &p.corr).await.body["items"][0]["incident_id"],
            dumping_id.as_str()
        );
        h.get("/api/v1/prescription-alerts?within_days=91", &p.corr)
            .await
            .expect(422, Some("validation_failed"));
        // The correspondent's business: not the police, not another bailleur (nothing of A's).
        h.get("/api/v1/prescription-alerts", &p.police)
            .await
            .expect(403, Some("forbidden"));
        assert_eq!(
            h.get("/api/v1/prescription-alerts", &p.other_corr)
                .await
                .body["items"],
            json!([])
        );
        // Announced once per threshold in the bailleur's feed, never to the police.
        assert_eq!(
            vigie_app::prescriptions::alert_due(&h.app).await.unwrap(),
            2
        );
        assert_eq!(
            vigie_app::prescriptions::alert_due(&h.app).await.unwrap(),
            0
        );
        let feed = h.get("/api/v1/events?limit=1000", &p.corr).await;
        let due: Vec<&serde_json::Value> = feed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "incident.prescription_due")
            .collect();
        assert_eq!(due.len(), 2);
        assert!(
            due.iter()
                .any(|e| e["resource_id"] == dumping_id.as_str()
                    && e["data"]["threshold_days"] == 60)
        );
        let police_feed = h.get("/api/v1/events?limit=1000", &p.police).await;
        assert!(!police_feed.text.contains("prescription_due"));
    }
);
