//! The demo data set of `ocop demo`, on SQLite and PostgreSQL: every command is accepted, a
//! second load records nothing, the read models show every status with Vietnamese text
//! intact, and the ministry audit finds the planted inconsistencies and nothing else.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use ocop_domain::CommandBody;
use ocop_domain::text::search_key;
use ocop_projections::audit::{self, AuditFilter};
use ocop_projections::command::service::{CommandService, ExecuteOptions};
use ocop_projections::demo::{self, DemoProduct};
use ocop_projections::import::legacy::{ImportOptions, import_csv};
use ocop_projections::read::query::{ProductQuery, ReadModels};
use ocop_projections::timers::run_timers;
use ocop_projections::{Backend, ProjectionRunner, RunnerOptions};
use serde_json::Value;
use uuid::Uuid;

/// A fresh store and read-model database.
struct Db {
    url: String,
    backend: Backend,
}

impl Db {
    async fn sqlite() -> Db {
        Db::open(ocop_tests::fresh_sqlite_url().await).await
    }

    async fn postgres() -> Db {
        Db::open(ocop_tests::fresh_postgres_url().await).await
    }

    async fn open(url: String) -> Db {
        let backend = ocop_projections::open(&url).await.expect("open the store");
        Db { url, backend }
    }

    fn service(&self) -> CommandService {
        CommandService::new(self.backend.store.clone())
    }

    fn reads(&self) -> ReadModels {
        ReadModels::with_store(self.backend.db.clone(), self.backend.store.clone())
    }

    async fn head(&self) -> i64 {
        self.backend.store.head().await.unwrap().global_position
    }

    /// Loads the demo and brings the read models up to date.
    async fn load_and_project(&self, today: NaiveDate) -> demo::DemoReport {
        let report = demo::load_demo(&self.service(), today)
            .await
            .expect("the demo loads");
        let runner = ProjectionRunner::new(
            self.backend.store.clone(),
            self.backend.db.clone(),
            RunnerOptions::default(),
        )
        .await
        .expect("start the runner");
        runner.catch_up().await.expect("project the demo");
        report
    }

    async fn close(self) {
        let url = self.url.clone();
        drop(self);
        ocop_tests::drop_database(&url).await;
    }
}

macro_rules! on_both_stores {
    ($sqlite:ident, $postgres:ident, $body:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            let db = Db::sqlite().await;
            $body(&db).await;
            db.close().await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            let db = Db::postgres().await;
            $body(&db).await;
            db.close().await;
        }
    };
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn plan() -> Vec<DemoProduct> {
    demo::plan(today()).expect("the demo's history lies before today")
}

/// Every product of the read side, by id.
async fn all_products(reads: &ReadModels, query: ProductQuery) -> BTreeMap<Uuid, Value> {
    let mut out = BTreeMap::new();
    let mut query = ProductQuery {
        limit: Some(500),
        ..query
    };
    loop {
        let page = reads.products(&query).await.unwrap();
        for item in page.items {
            let id: Uuid = item["product_id"].as_str().unwrap().parse().unwrap();
            out.insert(id, item);
        }
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => return out,
        }
    }
}

async fn loads_once_and_a_second_load_records_nothing(db: &Db) {
    let plan = plan();
    let first = demo::load_demo(&db.service(), today()).await.unwrap();
    assert_eq!(first.products, plan.len());
    assert!((40..=80).contains(&first.products), "{}", first.products);
    assert_eq!(first.products_created, plan.len());
    assert_eq!(first.already_present, 0);
    assert_eq!(first.products_kept, 0);
    assert_eq!(
        first.commands,
        plan.iter().map(|p| p.steps.len()).sum::<usize>()
    );
    assert_eq!(
        first.events_recorded,
        first.commands + first.timers_recorded,
        "one event per accepted command"
    );
    let head = db.head().await;
    assert_eq!(head, first.events_recorded as i64);
    assert_eq!(first.last_position, head);

    let second = demo::load_demo(&db.service(), today()).await.unwrap();
    assert!(second.recorded_nothing(), "{second}");
    assert_eq!(second.events_recorded, 0);
    assert_eq!(second.products_created, 0);
    assert_eq!(second.products_kept, 0);
    assert_eq!(second.timers_recorded, 0);
    assert_eq!(second.already_present, first.commands);
    assert_eq!(db.head().await, head, "nothing new in the log");
    assert!(second.to_string().contains("nothing new recorded"));

    // The legacy list through `ocop import`: the same products, nothing new either.
    let csv = demo::legacy_csv().unwrap();
    let imported = import_csv(
        &db.service(),
        csv.as_bytes(),
        &ImportOptions::admin("quantri.ocop", demo::LEGACY_FILE),
    )
    .await
    .unwrap();
    assert!(imported.rejected.is_empty(), "{:?}", imported.rejected);
    assert_eq!(imported.imported, 0);
    assert_eq!(imported.rows as usize, csv.lines().count() - 1);
    assert_eq!(imported.already_present, imported.rows);
    assert_eq!(db.head().await, head);
}

on_both_stores!(
    loads_once_and_a_second_load_records_nothing_on_sqlite,
    loads_once_and_a_second_load_records_nothing_on_postgres,
    loads_once_and_a_second_load_records_nothing
);

async fn a_later_load_keeps_the_data_and_runs_only_the_due_timers(db: &Db) {
    let first = demo::load_demo(&db.service(), today()).await.unwrap();
    let head = db.head().await;
    let later = today() + Days::new(40);
    let again = demo::load_demo(&db.service(), later).await.unwrap();
    assert_eq!(again.products_created, 0);
    let relative = demo::plan(later)
        .unwrap()
        .iter()
        .filter(|p| p.relative_to_today)
        .count();
    assert!(relative > 0);
    assert_eq!(
        again.products_kept, relative,
        "the products dated from today keep the first load's timeline"
    );
    assert!(again.timers_recorded > 0, "{again}");
    assert_eq!(again.events_recorded, again.timers_recorded);
    assert_eq!(db.head().await, head + again.timers_recorded as i64);
    assert!(again.already_present < first.commands);
}

on_both_stores!(
    a_later_load_keeps_the_data_and_runs_only_the_due_timers_on_sqlite,
    a_later_load_keeps_the_data_and_runs_only_the_due_timers_on_postgres,
    a_later_load_keeps_the_data_and_runs_only_the_due_timers
);

async fn the_read_models_show_every_status_and_keep_vietnamese_text(db: &Db) {
    let plan = plan();
    db.load_and_project(today()).await;
    let reads = db.reads();
    let products = all_products(&reads, ProductQuery::default()).await;
    assert_eq!(products.len(), plan.len());

    // Names and producers exactly as given, byte for byte.
    for p in &plan {
        let state = &products[&p.product_id];
        assert_eq!(
            state["name"].as_str().unwrap().as_bytes(),
            p.name.as_bytes(),
            "{}",
            p.slug
        );
        assert_eq!(
            state["producer"]["name"].as_str().unwrap().as_bytes(),
            p.producer.as_bytes(),
            "{}",
            p.slug
        );
        assert_eq!(state["province"], p.province, "{}", p.slug);
    }

    for status in [
        "registered",
        "in_evaluation",
        "recognized",
        "not_recognized",
        "expired",
        "revoked",
        "withdrawn",
    ] {
        let found = all_products(
            &reads,
            ProductQuery {
                status: Some(status.to_owned()),
                ..ProductQuery::default()
            },
        )
        .await;
        assert!(!found.is_empty(), "no product is {status}");
        for state in found.values() {
            assert_eq!(state["status"], status);
        }
    }

    let current = |level: &str, stars: i64| {
        products.values().any(|s| {
            let r = &s["recognition"];
            s["status"] == "recognized"
                && r["level"] == level
                && r["stars"] == stars
                && r["legacy"] == false
        })
    };
    assert!(current("central", 5), "a central 5★");
    assert!(current("district", 3), "a district 3★");
    assert!(current("provincial", 4) && current("provincial", 3));
    let flagged_then_five = products.values().any(|s| {
        s["recognition"]["stars"] == 5
            && s["past_recognitions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["level"] == "provincial" && r["stars"] == 4)
    });
    assert!(
        flagged_then_five,
        "a provincial 4★ replaced by a central 5★"
    );

    // Every revocation of the data set is in the public list, text intact.
    let revocations = reads.revocations_since(None, 1_000).await.unwrap();
    let mut revoked = 0;
    for p in &plan {
        for step in &p.steps {
            if let CommandBody::RevokeRecognition(r) = &step.body {
                revoked += 1;
                let public = revocations
                    .iter()
                    .find(|x| x.product_id == p.product_id)
                    .unwrap_or_else(|| panic!("{} is not in the public list", p.slug));
                assert_eq!(public.name.as_bytes(), p.name.as_bytes());
                assert_eq!(public.producer.as_bytes(), p.producer.as_bytes());
                assert_eq!(public.decision_no.as_deref(), Some(r.decision_no.as_str()));
                assert_eq!(public.decided_on, r.decided_on.to_string());
                assert_eq!(public.details.as_deref(), Some(r.details.as_str()));
            }
        }
    }
    assert!(revoked > 0);
    assert_eq!(revocations.len(), revoked);
    let since = reads
        .revocations_since(NaiveDate::from_ymd_opt(2025, 11, 1), 1_000)
        .await
        .unwrap();
    assert!(since.len() < revocations.len() && !since.is_empty());

    // The consumer look-up by certificate number gives the same text.
    let mut looked_up = 0;
    for (id, state) in &products {
        if let Some(cert) = state["recognition"]["certificate_no"].as_str() {
            let found = reads.public_products(cert).await.unwrap();
            assert_eq!(found.len(), 1, "{cert} names one product");
            let public = &found[0];
            assert_eq!(public.product_id, *id);
            assert_eq!(
                public.name.as_bytes(),
                state["name"].as_str().unwrap().as_bytes()
            );
            looked_up += 1;
        }
    }
    assert!(looked_up > 10);

    // Search without diacritics finds what the names say.
    let hits = all_products(
        &reads,
        ProductQuery {
            q: Some("mat ong".to_owned()),
            ..ProductQuery::default()
        },
    )
    .await;
    let expected: BTreeSet<Uuid> = plan
        .iter()
        .filter(|p| search_key(&format!("{} {}", p.name, p.producer)).contains("mat ong"))
        .map(|p| p.product_id)
        .collect();
    assert!(expected.len() >= 2);
    assert_eq!(hits.keys().copied().collect::<BTreeSet<_>>(), expected);

    let total = reads.stats(&[], None).await.unwrap();
    assert_eq!(total[0].count, plan.len() as i64);
}

on_both_stores!(
    the_read_models_show_every_status_and_keep_vietnamese_text_on_sqlite,
    the_read_models_show_every_status_and_keep_vietnamese_text_on_postgres,
    the_read_models_show_every_status_and_keep_vietnamese_text
);

async fn the_audit_finds_the_planted_inconsistencies_and_nothing_else(db: &Db) {
    db.load_and_project(today()).await;
    let report = audit::audit_decisions(&db.reads(), &AuditFilter::default())
        .await
        .unwrap();
    let planted = demo::planted_inconsistencies().unwrap();
    let mut codes: BTreeMap<Uuid, BTreeSet<&str>> = BTreeMap::new();
    for decision in &report.decisions {
        let entry = codes.entry(decision.product_id).or_default();
        for f in &decision.findings {
            entry.insert(f.code.as_str());
        }
    }
    for p in &planted {
        if let Some(code) = p.expected_finding {
            let found = codes.get(&p.product_id).cloned().unwrap_or_default();
            assert!(
                found.contains(code.as_str()),
                "line {} ({}): expected {code}, found {found:?}",
                p.line,
                p.slug
            );
        }
    }
    let planted_ids: BTreeSet<Uuid> = planted.iter().map(|p| p.product_id).collect();
    for (id, found) in &codes {
        if !planted_ids.contains(id) {
            assert!(found.is_empty(), "{id} has unplanted findings {found:?}");
        }
    }
    let plan = plan();
    let decisions = plan
        .iter()
        .flat_map(|p| &p.steps)
        .filter(|s| {
            matches!(
                s.body,
                CommandBody::DecideRecognition(_)
                    | CommandBody::RevokeRecognition(_)
                    | CommandBody::ImportLegacyRecognition(_)
            )
        })
        .count();
    assert_eq!(report.decisions_checked, decisions as u64);
}

on_both_stores!(
    the_audit_finds_the_planted_inconsistencies_and_nothing_else_on_sqlite,
    the_audit_finds_the_planted_inconsistencies_and_nothing_else_on_postgres,
    the_audit_finds_the_planted_inconsistencies_and_nothing_else
);

async fn an_interrupted_load_completes_after_the_engine_timer_ran(db: &Db) {
    // The load stopped right after the decision of a product whose notice and expiry are
    // scripted next; meanwhile the engine's timer expired it.
    let plan = plan();
    let product = plan.iter().find(|p| p.slug == "gio-cha-uoc-le").unwrap();
    let first_timer = product
        .steps
        .iter()
        .position(|s| s.timer.is_some())
        .unwrap();
    let service = db.service();
    for i in 0..first_timer {
        let (key, hash) = product.idempotency(i);
        service
            .execute(product.command(i), ExecuteOptions::new(key, hash))
            .await
            .unwrap()
            .unwrap();
    }
    let runner = ProjectionRunner::new(
        db.backend.store.clone(),
        db.backend.db.clone(),
        RunnerOptions::default(),
    )
    .await
    .unwrap();
    let timers = run_timers(&runner, &service, today()).await.unwrap();
    assert_eq!(timers.expiries_issued, 1);

    let report = demo::load_demo(&service, today()).await.unwrap();
    assert_eq!(report.products_created, plan.len() - 1);
    let state = service.load(product.product_id).await.unwrap().state;
    assert_eq!(state.status.as_str(), "expired");
    let again = demo::load_demo(&service, today()).await.unwrap();
    assert!(again.recorded_nothing(), "{again}");
}

on_both_stores!(
    an_interrupted_load_completes_after_the_engine_timer_ran_on_sqlite,
    an_interrupted_load_completes_after_the_engine_timer_ran_on_postgres,
    an_interrupted_load_completes_after_the_engine_timer_ran
);

/// The demo never goes into a store that holds real records: refused, nothing recorded; a
/// store holding the demo alone takes it again (a second load records nothing).
async fn the_demo_refuses_a_store_holding_other_records(db: &Db) {
    let service = db.service();
    let life = ocop_testkit::sample::Lifecycle::new(
        7,
        Uuid::now_v7(),
        ocop_testkit::sample::Path::Recognized,
    );
    service
        .execute(
            life.command(0, Uuid::now_v7()),
            ExecuteOptions::new(Uuid::now_v7(), "0".repeat(64)),
        )
        .await
        .unwrap()
        .unwrap();
    let head = db.head().await;
    let refused = demo::load_demo(&service, today()).await.unwrap_err();
    assert!(
        matches!(refused, demo::DemoError::NotEmpty { position: 1, product_id } if product_id == life.product_id),
        "{refused}"
    );
    assert!(refused.to_string().contains("--data-dir"), "{refused}");
    assert_eq!(db.head().await, head, "nothing recorded");

    let demo_only = Db::sqlite().await;
    demo::load_demo(&demo_only.service(), today())
        .await
        .unwrap();
    let again = demo::load_demo(&demo_only.service(), today())
        .await
        .unwrap();
    assert!(again.recorded_nothing(), "{again}");
    demo_only.close().await;
}

on_both_stores!(
    the_demo_refuses_a_store_holding_other_records_on_sqlite,
    the_demo_refuses_a_store_holding_other_records_on_postgres,
    the_demo_refuses_a_store_holding_other_records
);

/// The demo shows the second round's facts: products recorded by Đắk Nông (`67`) and Bình
/// Thuận (`60`) before the merger are Lâm Đồng's (`68`) now, keeping their codes; one
/// decision document covers three products, recorded in one transaction; producers hold
/// several products in several states.
async fn the_demo_shows_the_merger_a_decision_document_and_producers(db: &Db) {
    db.load_and_project(today()).await;
    let reads = db.reads();

    let lam_dong = all_products(
        &reads,
        ProductQuery {
            province: Some("68".into()),
            ..ProductQuery::default()
        },
    )
    .await;
    for (slug, recorded) in [
        ("ca-phe-robusta-dak-mil", "67"),
        ("thanh-long-ham-thuan-nam", "60"),
    ] {
        let state = &lam_dong[&demo::product_id(slug)];
        assert_eq!(
            state["province"], recorded,
            "{slug} keeps its recorded code"
        );
    }

    // The document: three decisions with one id, number and date, at consecutive
    // positions of the log (one transaction).
    let events = db.backend.store.read_all(0, 10_000).await.unwrap();
    let items: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == "RecognitionDecided" && !e.payload["decision_id"].is_null())
        .collect();
    assert_eq!(
        items.len(),
        3,
        "the June 2026 document covers three products"
    );
    for e in &items[1..] {
        assert_eq!(e.payload["decision_id"], items[0].payload["decision_id"]);
        assert_eq!(e.payload["decision_no"], items[0].payload["decision_no"]);
        assert_eq!(e.payload["decided_on"], items[0].payload["decided_on"]);
    }
    let positions: Vec<i64> = items.iter().map(|e| e.global_position).collect();
    assert_eq!(positions[2] - positions[0], 2, "{positions:?}");
    let document: Uuid = items[0].payload["decision_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let annex = reads
        .decisions(&ocop_projections::read::query::DecisionFilter {
            decision_id: Some(document),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(annex.len(), 3);

    // HTX Cà phê Thuận An: a 2024 Đắk Nông 4★, a 2026 Lâm Đồng 4★ of the document and a
    // product in evaluation, one producer by its tax code.
    let (found, _) = reads
        .producers(&ocop_projections::read::query::ProducerQuery {
            q: Some("Cà phê Thuận An".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].tax_code.as_deref(), Some("6400234567"));
    assert_eq!((found[0].products, found[0].recognized), (3, 2));
    assert_eq!(found[0].province, "68");
    let (_, products) = reads.producer(found[0].producer_id).await.unwrap().unwrap();
    let statuses: BTreeSet<&str> = products.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, BTreeSet::from(["in_evaluation", "recognized"]));
    let provinces: BTreeSet<&str> = products.iter().map(|p| p.province.as_str()).collect();
    assert_eq!(provinces, BTreeSet::from(["67", "68"]));
}

on_both_stores!(
    the_demo_shows_the_merger_a_decision_document_and_producers_on_sqlite,
    the_demo_shows_the_merger_a_decision_document_and_producers_on_postgres,
    the_demo_shows_the_merger_a_decision_document_and_producers
);
