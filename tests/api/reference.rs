use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(communes_and_their_circonscriptions, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let communes = h.get("/api/v1/communes", &admin).await;
    communes.expect(200, None);
    let list = communes.body["items"].as_array().unwrap();
    assert!(communes.body.get("next_cursor").is_none());
    assert_eq!(list.len(), 36);
    assert!(
        list.iter()
            .all(|c| c["circonscription"]["code"].is_string())
    );
    let circ = |insee: &'static str| {
        let h = &h;
        let admin = admin.clone();
        async move {
            h.get(&format!("/api/v1/communes/{insee}/circonscription"), &admin)
                .await
                .body["code"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        }
    };
    // The two verified groupings of domain.md §6.
    assert_eq!(circ("92071").await, "CSP-92019"); // Sceaux
    assert_eq!(circ("92032").await, "CSP-92019"); // Fontenay-aux-Roses
    assert_eq!(circ("92060").await, "CSP-92023"); // Le Plessis-Robinson
    assert_eq!(circ("92050").await, "CSP-92050"); // Nanterre: default one per commune
    let circs = h.get("/api/v1/circonscriptions", &admin).await;
    assert_eq!(circs.body["items"].as_array().unwrap().len(), 33);
    h.get("/api/v1/communes/75056/circonscription", &admin)
        .await
        .expect(404, Some("not_found"));
    h.get("/api/v1/communes/nope/circonscription", &admin)
        .await
        .expect(404, Some("not_found"));
});

both_backends!(mappings_are_dated_and_editable, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h.member(&admin, &org, "a.corr", &["correspondent"]).await;
    let new_circ = json!({"code": "CSP-NANTERRE-NORD", "name": "CSP Nanterre Nord"});
    h.post("/api/v1/circonscriptions", &corr, &new_circ)
        .await
        .expect(403, Some("forbidden"));
    h.post("/api/v1/circonscriptions", &admin, &new_circ)
        .await
        .expect(201, None);
    h.post("/api/v1/circonscriptions", &admin, &new_circ)
        .await
        .expect(409, Some("circonscription_exists"));
    let open = json!({"insee_code": "92050", "circonscription_code": "CSP-NANTERRE-NORD", "valid_from": "2030-01-01"});
    h.post("/api/v1/commune-mappings", &corr, &open)
        .await
        .expect(403, Some("forbidden"));
    let m = h.post("/api/v1/commune-mappings", &admin, &open).await;
    m.expect(201, None);
    assert_eq!(m.body["valid_from"], "2030-01-01");
    let on = |d: &'static str| {
        let h = &h;
        let admin = admin.clone();
        async move {
            h.get(
                &format!("/api/v1/communes/92050/circonscription?on={d}"),
                &admin,
            )
            .await
            .body["code"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(on("2029-12-31").await, "CSP-92050");
    assert_eq!(on("2030-01-01").await, "CSP-NANTERRE-NORD");
    let history = h
        .get("/api/v1/commune-mappings?commune=92050", &admin)
        .await;
    let hist = history.body["items"].as_array().unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[0]["valid_to"], "2030-01-01");
    // Appended in date order only; unknown references are field errors.
    h.post("/api/v1/commune-mappings", &admin, &json!({"insee_code": "92050", "circonscription_code": "CSP-92050", "valid_from": "2029-06-01"}))
        .await
        .expect(409, Some("mapping_not_latest"));
    h.post("/api/v1/commune-mappings", &admin, &json!({"insee_code": "92999", "circonscription_code": "CSP-92050", "valid_from": "2031-01-01"}))
        .await
        .expect(422, Some("validation_failed"));
    h.post("/api/v1/commune-mappings", &admin, &json!({"insee_code": "92050", "circonscription_code": "CSP-NOPE", "valid_from": "2031-01-01"}))
        .await
        .expect(422, Some("validation_failed"));
    h.post("/api/v1/commune-mappings", &admin, &json!({"insee_code": "92050", "circonscription_code": "CSP-92050", "valid_from": "not a date"}))
        .await
        .expect(422, Some("validation_failed"));
});
