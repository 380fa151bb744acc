//! Values stay within what the contract and the law allow: integers within their declared bounds,
//! dates of facts between 1900 and now.

use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(integers_outside_their_bounds_are_refused, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "corr", &["correspondent", "admin"])
        .await;
    let res = h.residence(&corr, "RES-1", "92050").await;
    let staff = h.staff(&corr, "gardien", false).await;
    let with_itt = |days: serde_json::Value| {
        let mut body = incident_body(&res, "assault_on_staff");
        body["victims"] = json!([{"kind": "staff", "staff_id": staff, "acting_in_functions": true, "itt_days": days}]);
        body
    };
    // Past int32 (accepted before this check), past the ten-year bound, past any integer type.
    for days in [json!(2_147_483_648_u64), json!(3651)] {
        let a = h
            .post("/api/v1/incidents", &corr, &with_itt(days.clone()))
            .await;
        a.expect(422, Some("validation_failed"));
        assert_eq!(
            a.body["errors"][0]["field"], "victims[0].itt_days",
            "{}",
            a.text
        );
        assert_eq!(a.body["errors"][0]["code"], "out_of_range");
    }
    for days in [json!(99_999_999_999_999_u64), json!(-1), json!(1.5)] {
        let a = h.post("/api/v1/incidents", &corr, &with_itt(days)).await;
        assert!(
            [400, 422].contains(&a.status.as_u16()),
            "{} {}",
            a.status,
            a.text
        );
        assert_eq!(
            a.header("content-type").as_deref(),
            Some("application/problem+json")
        );
    }
    h.post("/api/v1/incidents", &corr, &with_itt(json!(3650)))
        .await
        .expect(201, None);
    // Nothing of the refused ones was written.
    let list = h.get("/api/v1/incidents", &corr).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    // A query integer past its declared bounds, or not a number at all: a problem, not a 500.
    let a = h.get("/api/v1/pvs?year=99999999999", &corr).await;
    a.expect(422, Some("validation_failed"));
    assert_eq!(a.body["errors"][0]["code"], "out_of_range");
    h.get("/api/v1/pvs?year=twenty", &corr)
        .await
        .expect(400, Some("invalid_query"));
});

// The contract's bounds are the server's: a value one past any declared `maxLength` or
// `maxItems` is refused, wherever it sits (nested, in a union's branch, an array's items, a query
// or path parameter, the token endpoint's form).
both_backends!(every_declared_bound_is_enforced, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "corr", &["correspondent", "admin"])
        .await;
    let long = |n: usize| "x".repeat(n);
    // An array item (50 characters declared): 51 refused, 50 accepted.
    let put = |entrance: String| {
        let (h, corr) = (&h, &corr);
        async move {
            h.send(
                "PUT",
                "/api/v1/residences/by-ref/RES-1",
                Some(corr),
                &[("content-type", "application/json")],
                Some(
                    json!({"name": "R", "address": "1 rue", "insee_code": "92050",
                        "buildings": [{"name": "A", "entrances": [entrance]}]})
                    .to_string()
                    .into_bytes(),
                ),
            )
            .await
        }
    };
    let a = put(long(51)).await;
    a.expect(422, Some("validation_failed"));
    assert_eq!(a.body["errors"][0]["field"], "buildings[0].entrances[0]");
    assert_eq!(a.body["errors"][0]["code"], "too_long");
    put(long(50)).await.expect(201, None);
    // Past the declared number of items.
    let many: Vec<String> = (0..101).map(|i| format!("E{i}")).collect();
    let a = h
        .send(
            "PUT",
            "/api/v1/residences/by-ref/RES-2",
            Some(&corr),
            &[("content-type", "application/json")],
            Some(
                json!({"name": "R", "address": "1 rue", "insee_code": "92050",
                    "buildings": [{"name": "A", "entrances": many}]})
                .to_string()
                .into_bytes(),
            ),
        )
        .await;
    a.expect(422, Some("validation_failed"));
    assert_eq!(a.body["errors"][0]["code"], "too_many");
    // A field of a union's branch: a sworn agent's suspension reason (2 000 characters).
    let staff = h.staff(&corr, "gardien", true).await;
    let res = h.residence(&corr, "RES-3", "92050").await;
    let agent = h
        .post(
            "/api/v1/sworn-agents",
            &corr,
            &json!({"staff_id": staff, "regime": "garde_particulier",
                "commission": {"residence_ids": [res], "offence_codes": ["CP-R634-2"], "issued_on": "2026-01-05"}}),
        )
        .await;
    agent.expect(201, None);
    let id = agent.body["id"].as_str().unwrap();
    let a = h
        .post(
            &format!("/api/v1/sworn-agents/{id}/events"),
            &corr,
            &json!({"kind": "suspension", "from": "2026-02-01", "reason": long(2001)}),
        )
        .await;
    a.expect(422, Some("validation_failed"));
    assert_eq!(a.body["errors"][0]["field"], "reason", "{}", a.text);
    assert_eq!(a.body["errors"][0]["code"], "too_long");
    // A query filter and a path id past their declared lengths.
    let a = h
        .get(&format!("/api/v1/offences?q={}", long(101)), &corr)
        .await;
    a.expect(422, Some("validation_failed"));
    assert_eq!(a.body["errors"][0]["field"], "q");
    h.get(&format!("/api/v1/incidents/{}", long(65)), &corr)
        .await
        .expect(404, Some("not_found"));
    // The token endpoint's form.
    h.form_token(&format!(
        "grant_type=client_credentials&client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}&scope={}",
        long(201)
    ))
    .await
    .expect(400, Some("invalid_request"));
});
