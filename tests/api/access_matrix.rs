//! The access matrix: every role of every organisation kind against one record of each resource of
//! a bailleur. A record the caller may not see answers 404 whatever the route; a role that may never
//! use a resource answers 403 where the route says so; lists and the change feed show exactly what
//! the record routes show.

use serde_json::{Value, json};

use crate::both_backends;
use crate::imports::import;
use crate::pvs::{pv_body, sworn_setup};
use crate::support::*;

/// Who is asking: the organisation (`A` owns the records, `B` is another bailleur) and the role.
#[derive(Clone)]
struct Who {
    org: &'static str,
    role: &'static str,
    token: String,
}

impl Who {
    fn is(&self, org: &str, roles: &[&str]) -> bool {
        self.org == org && roles.contains(&self.role)
    }
}

fn status(sees: bool) -> u16 {
    if sees { 200 } else { 404 }
}

fn ids(page: &Value, key: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i[key].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

both_backends!(
    every_role_of_every_organisation_against_every_resource,
    |b| {
        let h = Harness::start(b).await;
        let s = sworn_setup(&h).await;
        let admin = s.admin.clone();
        let bb = h.bailleur(&admin, "B", SIREN_B).await;
        let police = h.org(&admin, json!({"kind": "police_circonscription", "name": "CSP Nanterre", "circonscription_code": "CSP-92050"})).await;
        let parquet = h.org(&admin, org_body("parquet", "Parquet")).await;
        let prefecture = h.org(&admin, org_body("prefecture", "Préfecture")).await;
        let aorif = h.org(&admin, org_body("aorif", "AORIF")).await;

        let mut callers: Vec<Who> = vec![Who {
            org: "A",
            role: "author",
            token: s.agent.clone(),
        }];
        for role in [
            "correspondent",
            "staff",
            "sworn_agent",
            "integration",
            "admin",
        ] {
            for (label, org) in [("A", &s.org), ("B", &bb)] {
                let t = h
                    .member(&admin, org, &format!("{label}.{role}.m"), &[role])
                    .await;
                callers.push(Who {
                    org: label,
                    role,
                    token: t,
                });
            }
        }
        for (label, org, roles) in [
            ("police", &police, vec!["police_correspondent", "admin"]),
            (
                "parquet",
                &parquet,
                vec!["magistrate", "prosecutor_delegate", "admin"],
            ),
            ("prefecture", &prefecture, vec!["observer", "admin"]),
            ("aorif", &aorif, vec!["observer", "admin"]),
        ] {
            for role in roles {
                let t = h
                    .member(&admin, org, &format!("{label}.{role}.m"), &[role])
                    .await;
                callers.push(Who {
                    org: label,
                    role,
                    token: t,
                });
            }
        }
        callers.push(Who {
            org: "platform",
            role: "platform_admin",
            token: admin.clone(),
        });

        // One record of each resource, all of bailleur A.
        let integration = callers
            .iter()
            .find(|w| w.is("A", &["integration"]))
            .unwrap()
            .token
            .clone();
        let open = h
            .post(
                "/api/v1/incidents",
                &s.corr,
                &incident_body(&s.inside, "dumping"),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        h.qualify(&s.corr, &open, "CP-R634-2")
            .await
            .expect(200, None);
        let signal = h
            .post(
                "/api/v1/incidents",
                &s.corr,
                &incident_body(&s.inside, "radicalisation_signal"),
            )
            .await
            .body["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let complaint = h
            .post(
                "/api/v1/complaints",
                &s.corr,
                &json!({"incident_ids": [open], "bailleur_victim": {"head_office": "1 rue du Siège, 92000 Nanterre",
                    "representative": "Claire Martin", "representative_capacity": "correspondante", "mandate": "Délégation 2026-04"}}),
            )
            .await;
        complaint.expect(201, None);
        let complaint = complaint.body["id"].as_str().unwrap().to_owned();
        let found_at = (chrono::Utc::now() - chrono::Duration::days(1))
            .format("%Y-%m-%dT12:00:00Z")
            .to_string();
        let pv = h
            .post(
                "/api/v1/pvs",
                &s.agent,
                &pv_body(&s.inside, &found_at, &["CP-R634-2"]),
            )
            .await;
        pv.expect(201, None);
        let pv = pv.body["id"].as_str().unwrap().to_owned();
        let job = import(
            &h,
            &s.corr,
            "",
            "external_ref;residence_ref;occurred_at;category;narrative\nM-1;RES-IN;2026-11-20T21:40:00Z;dumping;Sacs\n".to_string().into_bytes(),
        )
        .await;
        assert_eq!(job["created"], 1, "{job}");
        let job = job["id"].as_str().unwrap().to_owned();
        let hook = h
            .post(
                "/api/v1/webhooks",
                &integration,
                &json!({"url": "https://erp.bailleur.example/vigie", "event_types": []}),
            )
            .await;
        hook.expect(201, None);
        let hook = hook.body["id"].as_str().unwrap().to_owned();

        let bailleur_roles = [
            "correspondent",
            "staff",
            "sworn_agent",
            "integration",
            "admin",
            "author",
        ];
        let handlers = ["correspondent", "integration"];
        for w in &callers {
            let who = format!("{}/{}", w.org, w.role);
            let expected: Vec<(String, u16)> = vec![
                (
                    format!("/api/v1/incidents/{open}"),
                    status(w.is("A", &bailleur_roles)),
                ),
                (
                    format!("/api/v1/incidents/{open}/qualification-proposals"),
                    status(w.is("A", &bailleur_roles)),
                ),
                (
                    format!("/api/v1/incidents/{signal}"),
                    status(w.is("A", &["correspondent"])),
                ),
                (
                    format!("/api/v1/complaints/{complaint}"),
                    status(w.is("A", &handlers)),
                ),
                (
                    format!("/api/v1/pvs/{pv}"),
                    status(w.is("A", &["correspondent", "integration", "author"])),
                ),
                (
                    format!("/api/v1/sworn-agents/{}", s.agent_id),
                    status(w.is("A", &["correspondent", "integration", "admin", "author"])),
                ),
                (
                    format!("/api/v1/residences/{}", s.inside),
                    status(w.is("A", &bailleur_roles)),
                ),
                (
                    format!("/api/v1/imports/{job}"),
                    if ["correspondent", "integration", "admin"].contains(&w.role)
                        && ["A", "B"].contains(&w.org)
                    {
                        status(w.org == "A")
                    } else {
                        403
                    },
                ),
                (
                    format!("/api/v1/webhooks/{hook}/deliveries"),
                    if ["admin", "integration"].contains(&w.role)
                        && ["A", "B", "police", "parquet"].contains(&w.org)
                    {
                        status(w.org == "A")
                    } else {
                        403
                    },
                ),
            ];
            for (path, want) in expected {
                let r = h.get(&path, &w.token).await;
                assert_eq!(r.status.as_u16(), want, "{who} GET {path}: {}", r.text);
                if want != 200 {
                    // Nothing of the record leaks into a refusal.
                    assert!(!r.text.contains("Faits constatés"), "{who} {path}");
                }
            }

            // Lists show what the records show (403 for a role that lists none).
            for (path, key, id, sees) in [
                ("/api/v1/incidents", "id", &open, w.is("A", &bailleur_roles)),
                (
                    "/api/v1/incidents",
                    "id",
                    &signal,
                    w.is("A", &["correspondent"]),
                ),
                ("/api/v1/complaints", "id", &complaint, w.is("A", &handlers)),
                (
                    "/api/v1/pvs",
                    "id",
                    &pv,
                    w.is("A", &["correspondent", "integration", "author"]),
                ),
                (
                    "/api/v1/events?limit=200",
                    "resource_id",
                    &open,
                    w.is("A", &handlers),
                ),
            ] {
                let r = h.get(path, &w.token).await;
                match r.status.as_u16() {
                    200 => assert_eq!(ids(&r.body, key).contains(id), sees, "{who} {path} {id}"),
                    403 => assert!(!sees, "{who} {path}: 403"),
                    other => panic!("{who} {path}: {other} {}", r.text),
                }
            }

            // Changing the open incident: 404 when not visible, 403 when visible but not the
            // caller's to change, 200 for its bailleur's correspondent and integration.
            let p = h
                .patch(
                    &format!("/api/v1/incidents/{open}"),
                    &w.token,
                    &json!({"common_part": "hall"}),
                    None,
                )
                .await;
            let want = if w.is("A", &handlers) {
                200
            } else if w.is("A", &bailleur_roles) {
                403
            } else {
                404
            };
            assert_eq!(p.status.as_u16(), want, "{who} PATCH: {}", p.text);
        }
    }
);
