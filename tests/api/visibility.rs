//! The visibility matrix: every role of every organisation kind against one bailleur's incidents.

use serde_json::json;

use crate::both_backends;
use crate::support::*;

both_backends!(
    no_role_of_another_organisation_sees_a_bailleurs_incident,
    |b| {
        let h = Harness::start(b).await;
        let admin = h.admin().await;
        let a = h.bailleur(&admin, "A", SIREN_A).await;
        let bb = h.bailleur(&admin, "B", SIREN_B).await;
        let p1 = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Nanterre", "circonscription_code": "CSP-92050"})).await;
        let p2 = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Clamart", "circonscription_code": "CSP-92023"})).await;
        let parquet = h.org(&admin, org_body("parquet", "Parquet")).await;
        let prefecture = h.org(&admin, org_body("prefecture", "Préfecture")).await;
        let aorif = h.org(&admin, org_body("aorif", "AORIF")).await;
        let a_corr = h
            .member(&admin, &a, "a.correspondent", &["correspondent"])
            .await;
        let a_admin = h.member(&admin, &a, "a.admin", &["admin"]).await;
        let res = h.residence(&a_admin, "R1", "92050").await;
        let open = h
            .post(
                "/api/v1/incidents",
                &a_corr,
                &incident_body(&res, "dumping"),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let restricted = h
            .post(
                "/api/v1/incidents",
                &a_corr,
                &incident_body(&res, "radicalisation_signal"),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();

        let bailleur_roles = [
            "correspondent",
            "staff",
            "sworn_agent",
            "integration",
            "admin",
        ];
        let mut callers: Vec<(String, String, bool, bool)> = vec![]; // (who, token, sees open, sees restricted)
        for role in bailleur_roles {
            let t = h.member(&admin, &a, &format!("a.{role}.x"), &[role]).await;
            callers.push((format!("A/{role}"), t, true, role == "correspondent"));
            let t = h.member(&admin, &bb, &format!("b.{role}"), &[role]).await;
            callers.push((format!("B/{role}"), t, false, false));
        }
        for (org, name, roles) in [
            (&p1, "p1", vec!["police_correspondent", "admin"]),
            (&p2, "p2", vec!["police_correspondent", "admin"]),
            (
                &parquet,
                "parquet",
                vec!["magistrate", "prosecutor_delegate", "admin"],
            ),
            (&prefecture, "prefecture", vec!["observer", "admin"]),
            (&aorif, "aorif", vec!["observer", "admin"]),
        ] {
            for role in roles {
                let t = h
                    .member(&admin, org, &format!("{name}.{role}"), &[role])
                    .await;
                callers.push((format!("{name}/{role}"), t, false, false));
            }
        }
        callers.push(("platform/admin".into(), admin.clone(), false, false));

        let check = |callers: Vec<(String, String, bool, bool)>| {
            let h = &h;
            let (open, restricted) = (open.clone(), restricted.clone());
            async move {
                for (who, token, sees_open, sees_restricted) in &callers {
                    for (id, sees) in [(&open, *sees_open), (&restricted, *sees_restricted)] {
                        let r = h.get(&format!("/api/v1/incidents/{id}"), token).await;
                        assert_eq!(
                            r.status.as_u16(),
                            if sees { 200 } else { 404 },
                            "{who} on {id}: {}",
                            r.text
                        );
                        for sub in ["qualification-proposals"] {
                            let r = h.get(&format!("/api/v1/incidents/{id}/{sub}"), token).await;
                            assert_eq!(
                                r.status.as_u16(),
                                if sees { 200 } else { 404 },
                                "{who} {sub}"
                            );
                        }
                        if !sees {
                            let p = h
                                .patch(
                                    &format!("/api/v1/incidents/{id}"),
                                    token,
                                    &json!({"narrative": "x"}),
                                    None,
                                )
                                .await;
                            assert_eq!(p.status.as_u16(), 404, "{who} PATCH");
                            let t = h
                                .post(
                                    &format!("/api/v1/incidents/{id}/transitions"),
                                    token,
                                    &json!({"transition": "close"}),
                                )
                                .await;
                            assert_eq!(t.status.as_u16(), 404, "{who} transition");
                        }
                    }
                    let list = h.get("/api/v1/incidents", token).await;
                    if list.status.as_u16() == 200 {
                        let ids: Vec<&str> = list.body["items"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|i| i["id"].as_str().unwrap())
                            .collect();
                        assert_eq!(ids.contains(&open.as_str()), *sees_open, "{who} list");
                        assert_eq!(
                            ids.contains(&restricted.as_str()),
                            *sees_restricted,
                            "{who} list (restricted)"
                        );
                    } else {
                        assert_eq!(list.status.as_u16(), 403, "{who} list: {}", list.text);
                        assert!(!sees_open);
                    }
                }
            }
        };
        check(callers.clone()).await;

        // Shared with the police: the circonscription's correspondent sees both; nobody else changes.
        h.patch(
            &format!("/api/v1/incidents/{open}"),
            &a_corr,
            &json!({"share_with_police": true}),
            None,
        )
        .await
        .expect(200, None);
        h.patch(
            &format!("/api/v1/incidents/{restricted}"),
            &a_corr,
            &json!({"share_with_police": true}),
            None,
        )
        .await
        .expect(200, None);
        let after: Vec<_> = callers
            .into_iter()
            .map(|(who, t, o, r)| {
                let police = who == "p1/police_correspondent";
                (who, t, o || police, r || police)
            })
            .collect();
        check(after).await;
    }
);
