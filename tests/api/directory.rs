//! The directory of designated contacts: ids, reads by id, paging, ending a designation.

use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(designations_have_ids_pages_and_an_end, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let a = h.bailleur(&admin, "A", SIREN_A).await;
    let a_admin = h
        .member(&admin, &a, "a.admin", &["admin", "correspondent"])
        .await;
    let b_org = h.bailleur(&admin, "B", SIREN_B).await;
    let b_admin = h
        .member(&admin, &b_org, "b.admin", &["admin", "correspondent"])
        .await;
    let b_id = h.person_id(&admin, &b_org, "b.admin").await;
    h.member(&admin, &a, "a.corr2", &["correspondent"]).await;
    let first = h.person_id(&admin, &a, "a.admin").await;
    let second = h.person_id(&admin, &a, "a.corr2").await;
    // Each designation answers 201 with a Location that answers GET.
    let d1 = h
        .post("/api/v1/designations", &a_admin, &json!({"role": "bailleur_correspondent", "person_id": first, "valid_from": "2026-01-01"}))
        .await;
    d1.expect(201, None);
    let loc1 = d1.header("location").unwrap();
    assert_eq!(
        loc1,
        format!("/api/v1/designations/{}", d1.body["id"].as_str().unwrap())
    );
    let read = h.get(&loc1, &b_admin).await;
    read.expect(200, None);
    assert_eq!(read.body, d1.body);
    let d2 = h
        .post("/api/v1/designations", &a_admin, &json!({"role": "bailleur_correspondent", "person_id": second, "valid_from": "2026-06-01"}))
        .await;
    d2.expect(201, None);
    h.post(
        "/api/v1/designations",
        &b_admin,
        &json!({"role": "bailleur_correspondent", "person_id": b_id, "valid_from": "2026-02-01"}),
    )
    .await
    .expect(201, None);
    // The successor ended the first one on its own first day.
    assert_eq!(h.get(&loc1, &a_admin).await.body["valid_to"], "2026-06-01");
    // Paged like every list: one at a time, in the order recorded, with Link headers.
    let mut ids = vec![];
    let mut path = "/api/v1/designations?limit=1".to_owned();
    loop {
        let page = h.get(&path, &b_admin).await;
        page.expect(200, None);
        ids.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_str().unwrap().to_owned()),
        );
        match page.body["next"].as_str() {
            Some(next) => {
                assert_eq!(page.header("link"), Some(format!("<{next}>; rel=\"next\"")));
                path = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], d1.body["id"].as_str().unwrap());
    let in_force = h
        .get(
            "/api/v1/designations?on=2026-03-01&role=bailleur_correspondent",
            &b_admin,
        )
        .await;
    assert_eq!(in_force.body["items"].as_array().unwrap().len(), 2);
    // Ending: only the designating organisation's admin; not before it starts; once.
    let end2 = format!(
        "/api/v1/designations/{}/end",
        d2.body["id"].as_str().unwrap()
    );
    h.post(&end2, &b_admin, &json!({"on": "2026-12-15"}))
        .await
        .expect(403, Some("forbidden"));
    h.post(&end2, &a_admin, &json!({"on": "2026-05-01"}))
        .await
        .expect(422, Some("validation_failed"));
    let ended = h.post(&end2, &a_admin, &json!({"on": "2026-12-15"})).await;
    ended.expect(200, None);
    assert_eq!(ended.body["valid_to"], "2026-12-15");
    h.post(&end2, &a_admin, &json!({"on": "2026-12-20"}))
        .await
        .expect(409, Some("designation_ended"));
    // From that day bailleur A has no correspondent in force; the day before it still has one.
    let on = |day: &str| format!("/api/v1/designations?on={day}&org_id={a}");
    assert_eq!(
        h.get(&on("2026-12-14"), &a_admin).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        h.get(&on("2026-12-15"), &a_admin).await.body["items"],
        json!([])
    );
    // Ending is audited in the organisation's chain.
    let audit = h
        .get("/api/v1/audit?action=designation.ended", &admin)
        .await;
    assert_eq!(
        audit.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        audit.text
    );
    h.get(
        "/api/v1/designations/01936f60-0000-7000-8000-000000000000",
        &a_admin,
    )
    .await
    .expect(404, Some("not_found"));
});
