//! The ministry's audit, the legacy import and the ledger, end to end: `ocop import` and
//! `ocop audit` against the server's database, the audit and ledger endpoints over HTTP.

use serde_json::Value;

use super::lifecycle::{LamDong, recognition, scored_in_lam_dong};
use super::support::TestServer;
use crate::http_on_both_stores;

const LEGACY: &str = "\
province,district,commune,local_code,product_name,producer_name,producer_kind,product_group,stars,score,decision_no,decided_on,authority,valid_until
22,,06733,QN-2022-01,Chả mực Hạ Long,Công ty TNHH Chả mực Hạ Long,enterprise,food,4,78.5,1021/QĐ-UBND,2022-05-10,UBND tỉnh Quảng Ninh,2025-05-10
22,,06733,QN-2022-02,Ngán Vân Đồn,HTX Ngán Vân Đồn,cooperative,food,3,,1022/QĐ-UBND,2022-05-10,UBND tỉnh Quảng Ninh,2025-05-10
22,,06733,QN-2022-03,Rượu Ba Kích,HTX Ba Kích,cooperative,drinks,6,75,1023/QĐ-UBND,2022-05-10,UBND tỉnh Quảng Ninh,
22,,06733,QN-2022-04,Trà hoa vàng,HTX Trà hoa vàng Ba Chẽ,cooperative,drinks,4,80,1024/QĐ-UBND,2022-05-10,UBND tỉnh Quảng Ninh,2026-01-01
31,,11311,HP-2022-01,Nước mắm Cát Hải,HTX Nước mắm Cát Hải,cooperative,food,4,68,311/QĐ-UBND,2022-06-01,UBND thành phố Hải Phòng,2025-06-01
";

async fn import_then_audit(server: &TestServer) {
    let t = LamDong::tokens(server);
    // A clean lifecycle audits with no findings.
    let path = scored_in_lam_dong(server, &t, "Mật ong hoa cà phê", &[80, 82, 81]).await;
    server
        .post(
            &t.province,
            &format!("{path}/evaluations/current/decision"),
            &recognition(4, "2025-09-20", "156/QĐ-UBND", "UBND tỉnh Lâm Đồng"),
        )
        .await
        .expect(201);
    let digest = server
        .get(Some(&t.auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body;
    let kept = format!(
        "{}:{}",
        digest["global_position"],
        digest["hash"].as_str().unwrap()
    );
    let clean = server
        .get(
            Some(&t.auditor),
            &format!("{path}/audit?min_position={}", digest["global_position"]),
        )
        .await
        .expect(200);
    assert_eq!(clean.body["decisions"].as_array().unwrap().len(), 1);
    assert_eq!(
        clean.body["findings"],
        Value::Array(vec![]),
        "{}",
        clean.body
    );

    // The legacy list: one bad row (6 stars) reported by line, the rest imported.
    let dir = std::env::temp_dir().join(format!("ocop-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("quang-ninh.csv");
    std::fs::write(&file, LEGACY).unwrap();
    let file = file.to_str().unwrap();
    server.ocop(&["import", "--file", file]).await.unwrap();
    let after_first = server
        .get(Some(&t.auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body;
    assert_eq!(
        after_first["global_position"].as_i64().unwrap(),
        digest["global_position"].as_i64().unwrap() + 4,
        "four rows imported as written, one rejected (6 stars)"
    );
    // Importing the same file again records nothing.
    server.ocop(&["import", "--file", file]).await.unwrap();
    let after_second = server
        .get(Some(&t.auditor), "/api/v1/ledger/digest")
        .await
        .expect(200)
        .body;
    assert_eq!(after_second, after_first);

    // The audit finds what the list lacks or contradicts.
    let report = server
        .get(
            Some(&t.auditor),
            &format!(
                "/api/v1/audits/decisions?province=22&min_position={}",
                after_first["global_position"]
            ),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(report["decisions_checked"], 3, "{report}");
    let codes = &report["findings_by_code"];
    assert_eq!(codes["legacy_without_scores"], 1, "{report}");
    assert_eq!(codes["legacy_valid_until_mismatch"], 1, "{report}");
    // Rule 12: a 4★ listed with 68 points is imported as written, and flagged.
    let hai_phong = server
        .get(Some(&t.auditor), "/api/v1/audits/decisions?province=31")
        .await
        .expect(200)
        .body;
    assert_eq!(hai_phong["decisions_checked"], 1, "{hai_phong}");
    assert_eq!(
        hai_phong["findings_by_code"]["stars_above_band"], 1,
        "{hai_phong}"
    );
    let lam_dong = server
        .get(Some(&t.auditor), "/api/v1/audits/decisions?province=68")
        .await
        .expect(200)
        .body;
    assert_eq!(lam_dong["decisions_with_findings"], 0, "{lam_dong}");
    let paged = server
        .get(Some(&t.auditor), "/api/v1/audits/decisions?limit=2")
        .await
        .expect(200)
        .body;
    assert_eq!(paged["decisions"].as_array().unwrap().len(), 2);
    assert!(paged["next_after"].is_i64());
    let under = server
        .get(
            Some(&t.auditor),
            "/api/v1/audits/decisions?rules_version=qd1489-2025",
        )
        .await
        .expect(200)
        .body;
    assert!(under["decisions_checked"].as_i64().unwrap() > 0, "{under}");
    server
        .get(
            Some(&t.auditor),
            "/api/v1/audits/decisions?rules_version=qd1489",
        )
        .await
        .problem(400, "invalid_request");
    // Scope: a provincial inspector audits only their province.
    let inspector = server.token("inspector", "province:22", "tt-quang-ninh");
    server
        .get(Some(&inspector), "/api/v1/audits/decisions?province=68")
        .await
        .problem(403, "forbidden");
    server
        .get(Some(&t.province), "/api/v1/audits/decisions")
        .await
        .problem(403, "forbidden");
    // `ocop audit` exits 0 on warnings alone, 1 when it reports an error finding (unless
    // --no-fail): the demo data set plants some.
    let warnings_only = server
        .ocop_status(&["audit", "decisions", "--province", "22", "--format", "csv"])
        .await
        .unwrap();
    assert_eq!(warnings_only, std::process::ExitCode::SUCCESS);
    let demo = TestServer::sqlite().await;
    demo.ocop(&["demo"]).await.unwrap();
    let planted = demo.ocop_status(&["audit", "decisions"]).await.unwrap();
    assert_eq!(planted, std::process::ExitCode::FAILURE);
    let tolerated = demo
        .ocop_status(&["audit", "decisions", "--no-fail", "--format", "json"])
        .await
        .unwrap();
    assert_eq!(tolerated, std::process::ExitCode::SUCCESS);
    demo.close().await;
    let unknown = server
        .ocop(&["projections", "rebuild", "nonsense"])
        .await
        .unwrap_err();
    assert!(unknown.contains("public_register"), "{unknown}");

    // Nothing before the kept digest changed; the chain verifies to the head.
    let verified = server
        .get(
            Some(&t.auditor),
            &format!("/api/v1/ledger/verify?from_digest={kept}"),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["head"], after_first);
    assert_eq!(verified["first_broken_position"], Value::Null);
    let wrong = format!("{}:{}", digest["global_position"], "0".repeat(64));
    let refused = server
        .get(
            Some(&t.auditor),
            &format!("/api/v1/ledger/verify?from_digest={wrong}"),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(refused["ok"], false, "{refused}");
    assert_eq!(refused["first_broken_position"], Value::Null, "{refused}");
    assert_eq!(
        refused["digest_mismatch"]["global_position"], digest["global_position"],
        "a wrong digest is reported as one, not as a broken chain: {refused}"
    );
    assert_eq!(refused["digest_mismatch"]["recorded_hash"], digest["hash"]);
    server
        .ocop(&["ledger", "verify", "--from-digest", &kept])
        .await
        .unwrap();
    std::fs::remove_dir_all(dir).ok();
}
http_on_both_stores!(
    legacy_import_audit_and_ledger_end_to_end_on_sqlite,
    legacy_import_audit_and_ledger_end_to_end_on_postgres,
    import_then_audit
);

/// The server signs the head when it starts; an operator signs another with a key of their
/// own; an auditor lists both over HTTP, keeps the page, and `ocop ledger verify
/// --checkpoints` checks it with the two public keys — and refuses a checkpoint whose key
/// it was not given.
async fn signed_checkpoints_over_http(server: &TestServer) {
    let t = LamDong::tokens(server);
    let key = server
        .get(Some(&t.auditor), "/api/v1/ledger/public-key")
        .await
        .expect(200)
        .body;
    assert_eq!(key["algorithm"], "Ed25519", "{key}");
    let server_key = key["public_key"].as_str().unwrap().to_owned();
    assert_eq!(server_key.len(), 64, "{key}");
    server
        .get(Some(&t.province), "/api/v1/ledger/public-key")
        .await
        .problem(403, "forbidden");
    server
        .get(Some(&t.province), "/api/v1/ledger/checkpoints")
        .await
        .problem(403, "forbidden");
    // The checkpoint signed at start (the genesis head) appears once background work ran.
    let mut started = Value::Null;
    for _ in 0..100 {
        started = server
            .get(Some(&t.auditor), "/api/v1/ledger/checkpoints")
            .await
            .expect(200)
            .body;
        if !started["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(started["items"][0]["key_id"], key["key_id"], "{started}");

    scored_in_lam_dong(server, &t, "Chè Shan tuyết", &[75, 76, 77]).await;
    let dir = std::env::temp_dir().join(format!("ocop-ckpt-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let operator_key = dir.join("operator-key");
    let operator_key = operator_key.to_str().unwrap();
    server
        .ocop(&["--checkpoint-key", operator_key, "ledger", "checkpoint"])
        .await
        .unwrap();
    let operator_public =
        ocop_api::checkpoint::CheckpointKey::load_or_create(std::path::Path::new(operator_key))
            .unwrap()
            .public_hex();
    let page = server
        .get(Some(&t.auditor), "/api/v1/ledger/checkpoints?limit=10")
        .await
        .expect(200)
        .body;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{page}");
    assert!(
        items[0]["global_position"].as_i64() > items[1]["global_position"].as_i64(),
        "newest first: {page}"
    );
    let kept = dir.join("kept.json");
    std::fs::write(&kept, page.to_string()).unwrap();
    let kept = kept.to_str().unwrap();
    let both = server
        .ocop_status(&[
            "ledger",
            "verify",
            "--checkpoints",
            kept,
            "--public-key",
            &server_key,
            "--public-key",
            &operator_public,
        ])
        .await
        .unwrap();
    assert_eq!(both, std::process::ExitCode::SUCCESS);
    let one = server
        .ocop_status(&[
            "ledger",
            "verify",
            "--checkpoints",
            kept,
            "--public-key",
            &server_key,
        ])
        .await
        .unwrap();
    assert_eq!(
        one,
        std::process::ExitCode::FAILURE,
        "a checkpoint of an unknown key"
    );
    server
        .get(Some(&t.auditor), "/api/v1/ledger/checkpoints?limit=0")
        .await
        .problem(400, "invalid_request");
    std::fs::remove_dir_all(dir).ok();
}
http_on_both_stores!(
    signed_checkpoints_are_listed_and_verify_on_sqlite,
    signed_checkpoints_are_listed_and_verify_on_postgres,
    signed_checkpoints_over_http
);
