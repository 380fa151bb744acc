//! The NUL character (U+0000) never reaches the database: PostgreSQL cannot store it and answered
//! 500, SQLite stored it. Every way in refuses it with a problem and a stable code.

use serde_json::json;

use crate::both_backends;
use crate::imports::import;
use crate::support::*;

both_backends!(no_nul_character_reaches_the_database, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "a.corr", &["correspondent", "admin"])
        .await;
    let res = h.residence(&corr, "RES-1", "92050").await;

    // JSON bodies: a string anywhere, nested or not, and a key.
    let mut body = incident_body(&res, "dumping");
    body["narrative"] = json!("Sacs\u{0}devant l'entrée");
    let r = h.post("/api/v1/incidents", &corr, &body).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["errors"][0]["code"], "nul_character");
    assert_eq!(r.body["errors"][0]["field"], "narrative");
    let mut body = incident_body(&res, "dumping");
    body["persons"] = json!([{"kind": "identified", "name": "Jo\u{0}"}]);
    let r = h.post("/api/v1/incidents", &corr, &body).await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["errors"][0]["field"], "persons[0].name");
    let r = h
        .send(
            "POST",
            "/api/v1/incidents",
            Some(&corr),
            &[("content-type", "application/json")],
            Some(br#"{"narr\u0000ative": "x"}"#.to_vec()),
        )
        .await;
    r.expect(422, Some("validation_failed"));
    assert_eq!(r.body["errors"][0]["code"], "nul_character");
    let r = h
        .post(
            "/api/v1/staff",
            &corr,
            &json!({"first_name": "Jo\u{0}", "last_name": "Doe", "role": "gardien"}),
        )
        .await;
    r.expect(422, Some("validation_failed"));

    // Paths and queries, authenticated or not.
    for path in [
        "/api/v1/incidents/abc%00def",
        "/api/v1/incidents?commune=92%0050",
        "/api/v1/residences/by-ref/RES%00",
        "/api/v1/organisations/%00",
    ] {
        h.get(path, &corr).await.expect(400, Some("nul_character"));
    }
    h.send("GET", "/api/v1/offences?q=%00", None, &[], None)
        .await
        .expect(400, Some("nul_character"));

    // The token endpoint, form-encoded and JSON.
    let r = h
        .form_token("grant_type=password&username=a%00b&password=x")
        .await;
    r.expect(400, Some("invalid_request"));
    let r = h
        .send(
            "POST",
            "/api/v1/auth/token",
            None,
            &[("content-type", "application/json")],
            Some(
                br#"{"grant_type":"client_credentials","client_id":"a\u0000","client_secret":"b"}"#
                    .to_vec(),
            ),
        )
        .await;
    r.expect(400, Some("invalid_request"));

    // Files: an import row and a NATINF line are refused, the rest goes on.
    let file = "external_ref;residence_ref;occurred_at;category;narrative\nOK-1;RES-1;2026-11-01T10:00:00Z;dumping;Sacs\nBAD\0;RES-1;2026-11-01T10:00:00Z;dumping;Sacs\nBAD-2;RES-1;2026-11-01T10:00:00Z;dumping;Sa\0cs\n";
    let job = import(&h, &corr, "?mode=valid_rows_only", file.as_bytes().to_vec()).await;
    assert_eq!(job["created"], 1, "{job}");
    assert_eq!(job["failed"], 2, "{job}");
    let errors = h.get(job["errors"].as_str().unwrap(), &corr).await;
    for e in errors.body["items"].as_array().unwrap() {
        assert_eq!(e["code"], "nul_character", "{e}");
    }
    let r = h
        .send(
            "POST",
            "/api/v1/natinf/imports",
            Some(&admin),
            &[("content-type", "text/csv")],
            Some(b"27145;MENACE\0;D\xc3\xa9lit;ART.433-3;ART.433-3\n".to_vec()),
        )
        .await;
    r.expect(422, Some("natinf_rows_rejected"));
    assert_eq!(r.body["errors"][0]["code"], "nul_character");

    // Nothing was stored but the good import row.
    let list = h.get("/api/v1/incidents", &corr).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
});
