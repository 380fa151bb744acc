//! The access journal: partners state a purpose, every read of personal offence data is journaled
//! once with it, the DPO reads its own organisation's chain (and that read is journaled too), the
//! chain verifies, an edit breaks it, and a purge keeps the rest verifiable.

use serde_json::{Value, json};

use crate::both_backends;
use crate::complaints::{filed_complaint, parties, qualified_incident};
use crate::support::*;

fn entries(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

/// The DPO's own reading of its journal (`query` after `?`), sending no purpose: its entries.
async fn dpo_journal(h: &Harness, dpo: &str, query: &str) -> Vec<Value> {
    let journal = h
        .send(
            "GET",
            &format!("/api/v1/access-journal?{query}"),
            Some(dpo),
            &[("vigie-purpose", "")],
            None,
        )
        .await;
    journal.expect(200, None);
    entries(&journal.body)
}

/// Whether a journal entry names this record.
fn names(e: &Value, id: &str) -> bool {
    e["resource_ids"]
        .as_array()
        .is_some_and(|ids| ids.iter().any(|i| i == id))
}

both_backends!(
    every_read_of_personal_data_is_journaled_with_its_purpose,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let admin = h.admin().await;
        let dpo = h.member(&admin, &p.org, "a.dpo", &["dpo"]).await;
        let incident = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
        let complaint = filed_complaint(&h, &p, &incident).await;
        let path = format!("/api/v1/complaints/{complaint}");
        let no_purpose = [("vigie-purpose", "")];
        // A partner reads only for a stated purpose from the closed list.
        h.send("GET", &path, Some(&p.police), &no_purpose, None)
            .await
            .expect(400, Some("purpose_required"));
        h.send(
            "GET",
            &path,
            Some(&p.police),
            &[("vigie-purpose", "curiosity")],
            None,
        )
        .await
        .expect(400, Some("invalid_purpose"));
        h.send(
            "GET",
            "/api/v1/incidents",
            Some(&p.police),
            &no_purpose,
            None,
        )
        .await
        .expect(400, Some("purpose_required"));
        h.send(
            "GET",
            &path,
            Some(&p.police),
            &[("vigie-purpose", "investigation")],
            None,
        )
        .await
        .expect(200, None);
        // The bailleur reads its own records without one (journaled as case management).
        h.send(
            "GET",
            &format!("/api/v1/incidents/{incident}"),
            Some(&p.corr),
            &no_purpose,
            None,
        )
        .await
        .expect(200, None);
        // A list journals each record it returns.
        let list = h
            .send(
                "GET",
                "/api/v1/incidents?limit=10",
                Some(&p.corr),
                &no_purpose,
                None,
            )
            .await;
        list.expect(200, None);
        let listed = list.body["items"].as_array().unwrap().len();
        assert_eq!(listed, 1);
        // The DPO reads the chain of its organisation's records.
        let items = dpo_journal(&h, &dpo, "limit=200").await;
        let police_reads: Vec<&Value> = items
            .iter()
            .filter(|e| e["reader"] == "person:p.corr" && names(e, &complaint))
            .collect();
        assert_eq!(
            police_reads.len(),
            1,
            "each read once, the refused ones not at all: {items:#?}"
        );
        assert_eq!(police_reads[0]["purpose"], "investigation");
        assert_eq!(police_reads[0]["resource_type"], "complaint");
        assert_eq!(police_reads[0]["org_id"], p.org.as_str());
        assert!(police_reads[0]["reader_org_id"].is_string());
        let own: Vec<&Value> = items
            .iter()
            .filter(|e| e["reader"] == "person:a.corr" && names(e, &incident))
            .collect();
        assert!(own.len() >= 2, "the read and the list: {own:#?}");
        assert!(own.iter().all(|e| e["purpose"] == "case_management"));
        // Linked: each entry's prev_hash is the hash of the entry before it in the chain.
        for w in items.windows(2) {
            if w[1]["seq"].as_i64() == w[0]["seq"].as_i64().map(|s| s + 1) {
                assert_eq!(w[1]["prev_hash"], w[0]["hash"]);
            }
        }
        // Reading the journal is journaled.
        let again = dpo_journal(&h, &dpo, "limit=200").await;
        assert!(
            again.iter().any(|e| e["resource_type"] == "access_journal"
                && e["reader"] == "person:a.dpo"
                && e["purpose"] == "audit"),
            "{again:#?}"
        );
        // Nobody else: the correspondent (no dpo role), another bailleur's DPO for this chain.
        h.get("/api/v1/access-journal", &p.corr)
            .await
            .expect(403, Some("forbidden"));
        let admin_token = admin.clone();
        let b_org = h
            .get("/api/v1/organisations?limit=50", &admin_token)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "Bailleur B")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let b_dpo = h.member(&admin, &b_org, "b.dpo", &["dpo"]).await;
        let theirs = h.get("/api/v1/access-journal", &b_dpo).await;
        theirs.expect(200, None);
        assert!(
            entries(&theirs.body)
                .iter()
                .all(|e| e["org_id"] == b_org.as_str()),
            "{}",
            theirs.text
        );
        h.get(&format!("/api/v1/access-journal?org_id={}", p.org), &b_dpo)
            .await
            .expect(404, Some("not_found"));
        // The platform admin reads any chain, with a purpose.
        let by_admin = h
            .send(
                "GET",
                &format!(
                    "/api/v1/access-journal?org_id={}&resource_id={complaint}",
                    p.org
                ),
                Some(&admin),
                &[("vigie-purpose", "audit")],
                None,
            )
            .await;
        by_admin.expect(200, None);
        assert_eq!(entries(&by_admin.body).len(), 1);
        // The chain verifies; an edited purpose breaks it at that entry.
        let v = h.get("/api/v1/access-journal/verify", &dpo).await;
        v.expect(200, None);
        assert_eq!(v.body["breaks"], json!([]), "{}", v.text);
        assert!(v.body["entries"].as_u64().unwrap() >= 4);
        let seq = police_reads[0]["seq"].as_i64().unwrap();
        h.db.execute(&format!(
            "UPDATE journal.access_journal SET purpose = 'audit' WHERE chain = '{}' AND seq = {seq}",
            p.org
        ));
        let v = h.get("/api/v1/access-journal/verify", &dpo).await;
        assert_eq!(v.body["breaks"][0]["seq"], seq, "{}", v.text);
        assert_eq!(v.body["breaks"][0]["reason"], "hash_mismatch");
    }
);

both_backends!(concurrent_reads_are_each_journaled_once_in_one_chain, |b| {
    // Reads that arrive together share a transaction (group commit): each must still appear
    // exactly once, with its own reader and purpose, in an unbroken chain.
    let h = Harness::start_with(b, &["--db-pool-size", "8"]).await;
    let p = parties(&h).await;
    let admin = h.admin().await;
    let dpo = h.member(&admin, &p.org, "a.dpo", &["dpo"]).await;
    let incident = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
    let complaint = filed_complaint(&h, &p, &incident).await;
    let path = format!("/api/v1/complaints/{complaint}");
    let purposes = ["investigation", "prosecution", "complaint_follow_up"];
    let reads = futures_util::future::join_all((0..24).map(|i| {
        let (h, path) = (&h, &path);
        let purpose = purposes[i % purposes.len()];
        let (who, purpose) = if i % 2 == 0 {
            (&p.police, purpose)
        } else {
            (&p.corr, "")
        };
        async move {
            h.send("GET", path, Some(who), &[("vigie-purpose", purpose)], None)
                .await
        }
    }))
    .await;
    for r in &reads {
        r.expect(200, None);
    }
    let items = dpo_journal(&h, &dpo, &format!("resource_id={complaint}&limit=200")).await;
    let by = |reader: &str, purpose: &str| {
        items
            .iter()
            .filter(|e| e["reader"] == reader && e["purpose"] == purpose)
            .count()
    };
    for purpose in purposes {
        assert_eq!(by("person:p.corr", purpose), 4, "{items:#?}");
    }
    // The bailleur's own reads, plus the one its complaint filing helper made.
    assert!(by("person:a.corr", "case_management") >= 12, "{items:#?}");
    let mut seqs: Vec<i64> = items.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), items.len(), "one entry per place in the chain");
    let v = h.get("/api/v1/access-journal/verify", &dpo).await;
    assert_eq!(v.body["breaks"], json!([]), "{}", v.text);
});

both_backends!(two_replicas_journal_into_one_unbroken_chain, |b| {
    // Each process's journal writer remembers the heads it moved; when the other replica moved one
    // since, it must notice, read it again and link after it.
    let h = Harness::start(b).await;
    let p = parties(&h).await;
    let admin = h.admin().await;
    let dpo = h.member(&admin, &p.org, "a.dpo", &["dpo"]).await;
    let incident = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
    let other = h.replica(&[]);
    let path = format!("/api/v1/incidents/{incident}");
    for i in 0..6 {
        if i % 2 == 0 {
            h.get(&path, &p.corr).await.expect(200, None);
        } else {
            let status = other
                .get(path.clone())
                .insert_header(("authorization", format!("Bearer {}", p.corr)))
                .send()
                .await
                .expect("the replica answers")
                .status();
            assert_eq!(status.as_u16(), 200);
        }
    }
    let journal = dpo_journal(&h, &dpo, &format!("resource_id={incident}&limit=200")).await;
    let reads = journal
        .iter()
        .filter(|e| e["reader"] == "person:a.corr" && e["resource_ids"] == json!([incident]))
        .count();
    assert!(reads >= 6, "{journal:#?}");
    let v = h.get("/api/v1/access-journal/verify", &dpo).await;
    assert_eq!(v.body["breaks"], json!([]), "{}", v.text);
});

both_backends!(
    a_purge_removes_the_oldest_entries_and_the_rest_still_verifies,
    |b| {
        let h = Harness::start(b).await;
        let p = parties(&h).await;
        let admin = h.admin().await;
        let dpo = h.member(&admin, &p.org, "a.dpo", &["dpo"]).await;
        let incident = qualified_incident(&h, &p, "outrage_to_staff", "CP-433-5-AL1", None).await;
        let read = format!("/api/v1/incidents/{incident}");
        for _ in 0..3 {
            h.get(&read, &p.corr).await.expect(200, None);
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        let cutoff = vigie_store::now();
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        for _ in 0..2 {
            h.get(&read, &p.corr).await.expect(200, None);
        }
        let purged = vigie_app::access_journal::purge_before(&h.app, cutoff)
            .await
            .unwrap();
        assert_eq!(purged, 3);
        let left = dpo_journal(&h, &dpo, &format!("resource_id={incident}")).await;
        assert_eq!(left.len(), 2, "{left:#?}");
        assert_eq!(left[0]["seq"], 4);
        let v = h.get("/api/v1/access-journal/verify", &dpo).await;
        assert_eq!(v.body["breaks"], json!([]), "{}", v.text);
        // The purge is in the audit trail, with the hash the first kept entry points to.
        let audit = h
            .get("/api/v1/audit?action=access_journal.purged", &admin)
            .await;
        assert_eq!(
            audit.body["items"].as_array().map(Vec::len),
            Some(1),
            "{}",
            audit.text
        );
    }
);
