//! `ocop projections verify`: the read models recomputed from the log beside the live ones,
//! every differing row reported, the live tables left as they are.

use super::support::{TestDb, drive_products};
use crate::on_both_stores;

async fn a_row_changed_behind_the_projections_is_reported(db: &TestDb) {
    let service = db.service();
    let runner = db.runner(16).await;
    drive_products(&service, 12).await;
    runner.catch_up().await.unwrap();
    let clean = runner.verify("all").await.unwrap();
    assert!(clean.ok, "{clean:#?}");
    assert_eq!(clean.position, db.head().await);
    assert!(clean.tables.iter().any(|t| t.table == "rm_public"));

    // The public register says 5★ for a product that holds fewer, and a product's row is
    // gone from the list.
    db.exec("UPDATE rm_public SET stars = 5 WHERE stars < 5")
        .await;
    db.exec("DELETE FROM rm_products WHERE product_id = (SELECT MIN(product_id) FROM rm_products)")
        .await;
    // More events after the live tables' checkpoint: both sides are compared at the head.
    drive_products(&service, 1).await;
    let found = runner.verify("all").await.unwrap();
    assert!(!found.ok);
    assert_eq!(found.position, db.head().await);
    let public = found
        .tables
        .iter()
        .find(|t| t.table == "rm_public")
        .unwrap();
    assert!(
        public.differing.iter().any(|d| d.side == "live")
            && public.differing.iter().any(|d| d.side == "recomputed"),
        "{public:#?}"
    );
    let products = found
        .tables
        .iter()
        .find(|t| t.table == "rm_products")
        .unwrap();
    assert!(
        products.differing.iter().any(|d| d.side == "recomputed"),
        "the deleted row is reported: {products:#?}"
    );
    // Verifying changed nothing: the tampered rows are still there, no shadow table is left.
    let again = runner.verify("public_register").await.unwrap();
    assert_eq!(
        again
            .tables
            .iter()
            .map(|t| t.differing.len())
            .sum::<usize>(),
        found
            .tables
            .iter()
            .map(|t| t.differing.len())
            .sum::<usize>()
    );
    assert!(runner.verify("nonsense").await.is_err());
    // A rebuild repairs what verify found.
    runner.rebuild("all", |_| {}).await.unwrap();
    assert!(runner.verify("all").await.unwrap().ok);
}

on_both_stores!(
    projections_verify_reports_a_tampered_row_on_sqlite,
    projections_verify_reports_a_tampered_row_on_postgres,
    a_row_changed_behind_the_projections_is_reported
);
