use crate::both_backends;
use crate::support::*;

async fn codes(h: &Harness, token: &str, query: &str) -> Vec<String> {
    let a = h.get(&format!("/api/v1/offences?{query}"), token).await;
    a.expect(200, None);
    a.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(the_catalogue_is_searchable, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let staff = h.member(&admin, &org, "a.gardien", &["staff"]).await;
    assert_eq!(codes(&h, &staff, "q=OUTRAGE").await, vec!["CP-433-5-AL1"]);
    // Accents and case do not matter.
    assert!(
        codes(&h, &staff, "q=degradation%20bien")
            .await
            .contains(&"CP-322-1-I".to_owned())
    );
    assert_eq!(
        codes(&h, &staff, "natinf=27145").await,
        vec!["CP-433-3-AL1"]
    );
    assert_eq!(
        codes(&h, &staff, "article=R.634-2").await,
        vec!["CP-R634-2"]
    );
    assert_eq!(
        codes(&h, &staff, "tadpr_eligible=true").await,
        vec!["CP-433-5-AL1"]
    );
    let contraventions = codes(&h, &staff, "nature=contravention").await;
    assert_eq!(contraventions.len(), 6);
    assert!(
        codes(&h, &staff, "q=%25").await.is_empty(),
        "LIKE wildcards are escaped"
    );
    let o = h.get("/api/v1/offences/CP-433-5-AL1", &staff).await;
    o.expect(200, None);
    assert_eq!(o.body["flags"]["tadpr_eligible"], true);
    assert_eq!(o.body["nature"], "delit");
    h.get("/api/v1/offences/NOPE", &staff)
        .await
        .expect(404, Some("not_found"));
    // Keyset pagination walks the whole catalogue once, in code order.
    let mut seen = vec![];
    let mut next = Some("/api/v1/offences?limit=5".to_owned());
    while let Some(url) = next {
        let page = h.get(&url, &staff).await;
        seen.extend(
            page.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["code"].as_str().unwrap().to_owned()),
        );
        next = page.body["next"].as_str().map(str::to_owned);
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 21);
});

async fn csv_post(h: &Harness, token: &str, query: &str, body: &str) -> Answer {
    let path = format!("/api/v1/natinf/imports{query}");
    h.send(
        "POST",
        &path,
        Some(token),
        &[("content-type", "text/csv; charset=utf-8")],
        Some(body.as_bytes().to_vec()),
    )
    .await
}

both_backends!(natinf_import_is_idempotent_and_reports_bad_rows, |b| {
    let h = Harness::start(b).await;
    let admin = h.admin().await;
    let list = "NATINF;Qualification;Nature;Définie par;Réprimée par\n\
                27145;MENACE DE CRIME OU DELIT CONTRE GARDIEN ASSERMENTE D'IMMEUBLE;Délit;ART.433-3 AL.1 C.PENAL;ART.433-3 AL.1 C.PENAL\n\
                90001;DEPOT D'ORDURES EN LIEU NON AUTORISE;Contravention de 4ème classe;ART.R.634-2 C.PENAL;ART.R.634-2 C.PENAL\n\
                90002;OCCUPATION ABUSIVE DE HALL;Délit;ART.L.272-4 CSI;ART.L.272-4 CSI\n";
    let r = csv_post(&h, &admin, "", list).await;
    r.expect(200, None);
    assert_eq!(
        (
            r.body["created"].as_u64(),
            r.body["updated"].as_u64(),
            r.body["unchanged"].as_u64()
        ),
        (Some(2), Some(1), Some(0))
    );
    // The curated entry keeps its rule flags.
    let o = h.get("/api/v1/offences?natinf=27145", &admin).await;
    assert_eq!(o.body["items"][0]["code"], "CP-433-3-AL1");
    assert_eq!(o.body["items"][0]["flags"]["cmsp_limb"], true);
    assert_eq!(o.body["items"][0]["reliability"], "official");
    let again = csv_post(&h, &admin, "", list).await;
    assert_eq!(
        (
            again.body["created"].as_u64(),
            again.body["updated"].as_u64(),
            again.body["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(3))
    );
    let changed = list.replace(
        "OCCUPATION ABUSIVE DE HALL",
        "OCCUPATION EN REUNION DE HALL",
    );
    let r = csv_post(&h, &admin, "", &changed).await;
    assert_eq!(
        (
            r.body["created"].as_u64(),
            r.body["updated"].as_u64(),
            r.body["unchanged"].as_u64()
        ),
        (Some(0), Some(1), Some(2))
    );
    // Malformed rows: refused whole, with their lines; nothing written.
    let bad = "90003;NOUVELLE;Délit;A;B\nxx;BAD NUMBER;Délit;A;B\n90004;BAD NATURE;Contravention de 9e classe;A;B\n90005;MISSING COLUMNS;Délit\n";
    let r = csv_post(&h, &admin, "", bad).await;
    r.expect(422, Some("natinf_rows_rejected"));
    let lines: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(lines, vec!["line 2", "line 3", "line 4"]);
    assert!(
        h.get("/api/v1/offences?natinf=90003", &admin).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = csv_post(&h, &admin, "?skip_invalid=true&version=natinf/test", bad).await;
    r.expect(200, None);
    assert_eq!(r.body["created"], 1);
    assert_eq!(r.body["rejected"].as_array().unwrap().len(), 3);
    assert_eq!(
        h.get("/api/v1/offences/NATINF-90003", &admin).await.body["catalogue_version"],
        "natinf/test"
    );
    // Wrong media type, wrong role.
    h.send(
        "POST",
        "/api/v1/natinf/imports",
        Some(&admin),
        &[("content-type", "application/json")],
        Some(b"{}".to_vec()),
    )
    .await
    .expect(415, Some("unsupported_media_type"));
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let corr = h
        .member(&admin, &org, "a.corr", &["correspondent", "admin"])
        .await;
    csv_post(&h, &corr, "", list)
        .await
        .expect(403, Some("forbidden"));
});
