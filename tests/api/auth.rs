use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::*;

fn claims(h: &Harness, overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut c = json!({
        "sub": "client:forged", "org": "whatever", "org_kind": "platform_operator", "roles": ["platform_admin"],
        "iat": now, "exp": now + 600, "iss": "vigie", "aud": "vigie-api", "jti": "x"
    });
    let _ = h;
    for (k, v) in overrides.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn secret(h: &Harness) -> Vec<u8> {
    std::fs::read_to_string(std::path::Path::new(&h.db.data_dir()).join("jwt-secret"))
        .unwrap()
        .trim()
        .as_bytes()
        .to_vec()
}

fn hs256(key: &[u8], claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key).unwrap(),
    )
    .unwrap()
}

both_backends!(token_grants, |b| {
    let h = Harness::start(b).await;
    // Form-encoded client credentials (RFC 6749), JSON, and HTTP Basic.
    let a = h
        .form_token(&format!(
            "grant_type=client_credentials&client_id={ADMIN_ID}&client_secret={ADMIN_SECRET}"
        ))
        .await;
    a.expect(200, None);
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3600);
    assert_eq!(a.header("cache-control").as_deref(), Some("no-store"));
    let payload: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(
                a.body["access_token"]
                    .as_str()
                    .unwrap()
                    .split('.')
                    .nth(1)
                    .unwrap(),
            )
            .unwrap(),
    )
    .unwrap();
    for claim in [
        "sub", "org", "org_kind", "roles", "iat", "exp", "iss", "aud", "jti",
    ] {
        assert!(payload.get(claim).is_some(), "claim {claim} missing");
    }
    assert_eq!(payload["roles"], json!(["platform_admin"]));
    let j = json!({"grant_type": "client_credentials", "client_id": ADMIN_ID, "client_secret": ADMIN_SECRET}).to_string();
    h.send(
        "POST",
        "/api/v1/auth/token",
        None,
        &[("content-type", "application/json")],
        Some(j.into_bytes()),
    )
    .await
    .expect(200, None);
    let basic = format!(
        "Basic {}",
        STANDARD.encode(format!("{ADMIN_ID}:{ADMIN_SECRET}"))
    );
    h.send(
        "POST",
        "/api/v1/auth/token",
        None,
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", &basic),
        ],
        Some(b"grant_type=client_credentials".to_vec()),
    )
    .await
    .expect(200, None);
    // Password grant.
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    h.member(&admin, &org, "a.corr", &["correspondent"]).await;
    // Refusals, each with its OAuth2 error code.
    h.form_token(&format!(
        "grant_type=client_credentials&client_id={ADMIN_ID}&client_secret=wrong"
    ))
    .await
    .expect(401, Some("invalid_client"));
    h.form_token("grant_type=client_credentials&client_id=nobody&client_secret=x")
        .await
        .expect(401, Some("invalid_client"));
    let wrong = h
        .form_token("grant_type=password&username=a.corr&password=wrong-password")
        .await;
    wrong.expect(400, Some("invalid_grant"));
    assert_eq!(wrong.body["error"], "invalid_grant");
    h.form_token("grant_type=password&username=a.corr")
        .await
        .expect(400, Some("invalid_request"));
    h.form_token("grant_type=authorization_code&code=x")
        .await
        .expect(400, Some("unsupported_grant_type"));
    h.form_token("client_id=x")
        .await
        .expect(400, Some("invalid_request"));
    h.send(
        "POST",
        "/api/v1/auth/token",
        None,
        &[("content-type", "text/plain")],
        Some(b"grant_type=password".to_vec()),
    )
    .await
    .expect(415, Some("unsupported_media_type"));
});

both_backends!(bad_tokens_are_refused_with_401, |b| {
    let h = Harness::start(b).await;
    let key = secret(&h);
    let path = "/api/v1/organisations";
    h.send("GET", path, None, &[], None)
        .await
        .expect(401, Some("missing_token"));
    let r = h
        .send("GET", path, None, &[("authorization", "Basic abc")], None)
        .await;
    r.expect(401, Some("invalid_token"));
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    h.get(path, "garbage")
        .await
        .expect(401, Some("invalid_token"));
    // alg: none
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(&h, json!({})).to_string())
    );
    h.get(path, &none).await.expect(401, Some("invalid_token"));
    // Another key, expired, wrong issuer, wrong audience, missing claims.
    h.get(
        path,
        &hs256(
            b"another-secret-that-is-long-enough-0123456789",
            &claims(&h, json!({})),
        ),
    )
    .await
    .expect(401, Some("invalid_token"));
    let past = chrono::Utc::now().timestamp() - 3600;
    h.get(
        path,
        &hs256(&key, &claims(&h, json!({"exp": past, "iat": past - 60}))),
    )
    .await
    .expect(401, Some("invalid_token"));
    h.get(
        path,
        &hs256(&key, &claims(&h, json!({"iss": "someone-else"}))),
    )
    .await
    .expect(401, Some("invalid_token"));
    h.get(
        path,
        &hs256(&key, &claims(&h, json!({"aud": "another-api"}))),
    )
    .await
    .expect(401, Some("invalid_token"));
    h.get(
        path,
        &hs256(&key, &claims(&h, json!({"roles": "platform_admin"}))),
    )
    .await
    .expect(401, Some("invalid_token"));
    // Tampered: a valid token whose payload is changed after signing.
    let good = h.admin().await;
    let parts: Vec<&str> = good.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["org"] = json!("another-org");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    h.get(path, &tampered)
        .await
        .expect(401, Some("invalid_token"));
    // A well-signed token with the right claims passes: the refusals above are about the token only.
    h.get(path, &hs256(&key, &claims(&h, json!({}))))
        .await
        .expect(200, None);
    h.get(path, &good).await.expect(200, None);
});

both_backends!(external_identity_provider_tokens, |b| {
    let pubkey = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/external-idp-test.pub"
    );
    let h = Harness::start_with(
        b,
        &[
            "--jwt-public-key",
            pubkey,
            "--jwt-external-issuer",
            "https://idp.example",
        ],
    )
    .await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let rsa = |file: &str| {
        EncodingKey::from_rsa_pem(
            &std::fs::read(format!(
                "{}/../../tests/fixtures/{file}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap()
    };
    let c = claims(
        &h,
        json!({"iss": "https://idp.example", "org": org, "org_kind": "bailleur", "roles": ["correspondent"], "sub": "idp:claire"}),
    );
    let token = encode(
        &Header::new(Algorithm::RS256),
        &c,
        &rsa("external-idp-test.key"),
    )
    .unwrap();
    h.get(&format!("/api/v1/organisations/{org}"), &token)
        .await
        .expect(200, None);
    // Signed by another RSA key, or claiming Vigie's own issuer: refused.
    let other = encode(&Header::new(Algorithm::RS256), &c, &rsa("other.key")).unwrap();
    h.get(&format!("/api/v1/organisations/{org}"), &other)
        .await
        .expect(401, Some("invalid_token"));
    let own_iss = claims(
        &h,
        json!({"org": org, "org_kind": "bailleur", "roles": ["correspondent"]}),
    );
    let wrong_iss = encode(
        &Header::new(Algorithm::RS256),
        &own_iss,
        &rsa("external-idp-test.key"),
    )
    .unwrap();
    h.get(&format!("/api/v1/organisations/{org}"), &wrong_iss)
        .await
        .expect(401, Some("invalid_token"));
});

both_backends!(rate_limit_per_principal, |b| {
    let h = Harness::start_with(
        b,
        &["--rate-limit-per-second", "1", "--rate-limit-burst", "2"],
    )
    .await;
    let admin = h.admin().await;
    let mut statuses = vec![];
    for _ in 0..4 {
        statuses.push(h.get("/api/v1/organisations", &admin).await);
    }
    let limited = statuses
        .iter()
        .find(|a| a.status.as_u16() == 429)
        .expect("a 429 after the burst");
    limited.expect(429, Some("rate_limited"));
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert_eq!(statuses[0].status.as_u16(), 200);
});

both_backends!(external_es256_tokens, |b| {
    let pubkey = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/external-idp-es256.pub"
    );
    let h = Harness::start_with(
        b,
        &[
            "--jwt-public-key",
            pubkey,
            "--jwt-external-issuer",
            "https://idp.example",
        ],
    )
    .await;
    let admin = h.admin().await;
    let org = h.bailleur(&admin, "A", SIREN_A).await;
    let key = EncodingKey::from_ec_pem(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/external-idp-es256.key"
        ))
        .unwrap(),
    )
    .unwrap();
    let c = claims(
        &h,
        json!({"iss": "https://idp.example", "org": org, "org_kind": "bailleur", "roles": ["correspondent"], "sub": "idp:claire"}),
    );
    let token = encode(&Header::new(Algorithm::ES256), &c, &key).unwrap();
    h.get(&format!("/api/v1/organisations/{org}"), &token)
        .await
        .expect(200, None);
    // Roles the organisation kind cannot hold make the token invalid.
    let c = claims(
        &h,
        json!({"iss": "https://idp.example", "org": org, "org_kind": "bailleur", "roles": ["platform_admin"], "sub": "idp:x"}),
    );
    let token = encode(&Header::new(Algorithm::ES256), &c, &key).unwrap();
    h.get("/api/v1/organisations", &token)
        .await
        .expect(401, Some("invalid_token"));
    // An HS256 token claiming the external issuer is not accepted with Vigie's own key.
    let forged = hs256(
        &secret(&h),
        &claims(&h, json!({"iss": "https://idp.example"})),
    );
    h.get("/api/v1/organisations", &forged)
        .await
        .expect(401, Some("invalid_token"));
});

both_backends!(a_token_is_not_valid_before_its_nbf, |b| {
    let h = Harness::start(b).await;
    let now = chrono::Utc::now().timestamp();
    let key = secret(&h);
    let later = hs256(
        &key,
        &claims(
            &h,
            json!({"sub": "client:test-platform-admin", "nbf": now + 600}),
        ),
    );
    h.get("/api/v1/organisations", &later)
        .await
        .expect(401, Some("invalid_token"));
    // Within the clock leeway, and once passed, it is.
    for nbf in [now + 2, now - 60] {
        let t = hs256(
            &key,
            &claims(&h, json!({"sub": "client:test-platform-admin", "nbf": nbf})),
        );
        h.get("/api/v1/organisations", &t).await.expect(200, None);
    }
    // Without `exp`, refused as before.
    let mut no_exp = claims(&h, json!({}));
    no_exp.as_object_mut().unwrap().remove("exp");
    h.get("/api/v1/organisations", &hs256(&key, &no_exp))
        .await
        .expect(401, Some("invalid_token"));
});
