//! The legacy import at a province's size: a list of 5,000 recognitions (`ocop import`'s
//! format, every row valid), imported into a fresh store, then imported again (every row
//! already present) — on PostgreSQL, then on SQLite. `OCOP_IMPORT_ROWS` changes the size.

use std::error::Error;
use std::time::Instant;

use ocop_projections::command::service::CommandService;
use ocop_projections::import::legacy::{COLUMNS, ImportOptions, import_csv};
use serde_json::json;

use crate::report::{Latencies, measure};

/// A list of `rows` recognitions of Lâm Đồng and Quảng Ninh from 2021 to 2024.
fn list(rows: usize) -> String {
    let mut csv = COLUMNS.join(",");
    csv.push('\n');
    for n in 0..rows {
        let (province, authority) = if n % 2 == 0 {
            ("68", "UBND tỉnh Lâm Đồng")
        } else {
            ("22", "UBND tỉnh Quảng Ninh")
        };
        let stars = 3 + (n % 3 == 0) as usize;
        let score = if stars == 4 { 72 + n % 17 } else { 52 + n % 17 };
        let month = 1 + n % 12;
        let day = 1 + n % 28;
        let year = 2021 + n % 4;
        csv.push_str(&format!(
            "{province},,{:05},,\"Sản phẩm số {n}\",\"HTX Nông nghiệp {n}\",cooperative,food,\
             {stars},{score}.{:02},{}/QĐ-UBND,{year}-{month:02}-{day:02},{authority},\n",
            10_000 + n % 20_000,
            n % 100,
            1_000 + n,
        ));
    }
    csv
}

pub async fn run() -> Result<(), Box<dyn Error>> {
    let rows: usize = std::env::var("OCOP_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let bytes = list(rows).into_bytes();
    crate::scratch::each_store(|scratch| {
        let bytes = bytes.clone();
        async move {
            let backend = ocop_projections::open(&scratch.url()).await?;
            let service = CommandService::new(backend.store.clone());
            let options = ImportOptions::admin("bench", "danh-sach.csv");
            for phase in ["import", "import again (every row already present)"] {
                let started = Instant::now();
                let report = import_csv(&service, &bytes, &options).await?;
                let elapsed = started.elapsed();
                if !report.rejected.is_empty() {
                    return Err(format!("rows refused: {:?}", &report.rejected[..3.min(report.rejected.len())]).into());
                }
                measure(
                    scratch.name(),
                    &format!("legacy {phase}, {rows} rows"),
                    rows as u64,
                    elapsed,
                    &mut Latencies::default(),
                    json!({ "imported": report.imported, "already_present": report.already_present }),
                );
            }
            Ok(())
        }
    })
    .await
}
