//! The public register's reads: a product by id or certificate, the consumers' search,
//! a certificate's holders and the notices of revocation.

use chrono::NaiveDate;
use ocop_domain::text::search_key;
use uuid::Uuid;

use super::*;
use crate::db::{Arg, Val};
use crate::error::ProjectionError;

/// A row of `rm_public` in the column order of [`ReadModels::public_products`].
fn public_product(r: &[Val]) -> Result<PublicProduct, ProjectionError> {
    Ok(PublicProduct {
        product_id: uuid(&r[0])?,
        certificate_no: r[1].text(),
        name: text(&r[2]),
        producer: text(&r[3]),
        province: text(&r[4]),
        product_group: text(&r[5]),
        stars: r[6].i64(),
        valid_until: r[7].text(),
        status: text(&r[8]),
        decision_no: r[9].text(),
        authority: r[10].text(),
    })
}

impl ReadModels {
    /// The consumer look-up: by product id, or by certificate number. A certificate number
    /// is unique within a province, not across provinces (and a record from before that
    /// rule may share one): every product holding it is returned, ordered by province and
    /// id, at most [`MAX_CANDIDATES`]; the caller decides what an ambiguous key answers.
    pub async fn public_products(
        &self,
        id_or_certificate: &str,
    ) -> Result<Vec<PublicProduct>, ProjectionError> {
        const COLS: &str = "product_id, certificate_no, name, producer_name, province, \
                            product_group, stars, valid_until, status, decision_no, authority";
        let rows = match Uuid::parse_str(id_or_certificate) {
            Ok(id) => {
                self.db
                    .fetch(
                        &format!("SELECT {COLS} FROM rm_public WHERE product_id = $1"),
                        vec![id.to_string().into()],
                    )
                    .await?
            }
            Err(_) => {
                self.db
                    .fetch(
                        &format!(
                            "SELECT {COLS} FROM rm_public WHERE certificate_no = $1 \
                             ORDER BY province, product_id LIMIT {MAX_CANDIDATES}"
                        ),
                        vec![id_or_certificate.into()],
                    )
                    .await?
            }
        };
        rows.iter().map(|r| public_product(r)).collect()
    }

    /// The public search: products of the public register (those that hold or held a
    /// recognition) whose name or producer contains every word of `q`, with or without
    /// diacritics, or whose certificate number is `q`; by name, at most `limit`.
    pub async fn search_public(
        &self,
        q: &str,
        limit: usize,
        today: NaiveDate,
    ) -> Result<Vec<PublicProduct>, ProjectionError> {
        let folded = search_key(q);
        let mut words: Vec<&str> = folded.split_whitespace().collect();
        let provinces = named_province(&mut words, today);
        if words.is_empty() && provinces.is_none() {
            return Ok(Vec::new());
        }
        let mut args: Vec<Arg> = Vec::new();
        let mut conditions = Vec::new();
        for w in &words {
            args.push(like_pattern(w).into());
            conditions.push(format!("p.search LIKE ${} ESCAPE '\\'", args.len()));
        }
        if let Some(codes) = provinces {
            let marks: Vec<String> = codes
                .into_iter()
                .map(|c| {
                    args.push(c.into());
                    format!("${}", args.len())
                })
                .collect();
            conditions.push(format!("u.province IN ({})", marks.join(", ")));
        }
        args.push(q.trim().to_owned().into());
        let certificate = args.len();
        args.push((limit.max(1) as i64).into());
        let sql = format!(
            "SELECT u.product_id, u.certificate_no, u.name, u.producer_name, u.province, \
             u.product_group, u.stars, u.valid_until, u.status, u.decision_no, u.authority \
             FROM rm_public u JOIN rm_products p ON p.product_id = u.product_id \
             WHERE ({}) OR u.certificate_no = ${certificate} ORDER BY u.name, u.product_id LIMIT ${}",
            conditions.join(" AND "),
            args.len()
        );
        let rows = self.db.fetch(&sql, args).await?;
        rows.iter().map(|r| public_product(r)).collect()
    }

    /// The products of `province` other than `except` whose recognition carries the
    /// certificate number `certificate_no`.
    pub async fn certificate_holders(
        &self,
        province: &str,
        certificate_no: &str,
        except: Uuid,
    ) -> Result<Vec<Uuid>, ProjectionError> {
        let rows = self
            .db
            .fetch(
                "SELECT product_id FROM rm_products WHERE province = $1 AND certificate_no = $2 \
                 AND product_id <> $3 ORDER BY product_id LIMIT 10",
                vec![
                    province.into(),
                    certificate_no.into(),
                    except.to_string().into(),
                ],
            )
            .await?;
        rows.iter().map(|r| uuid(&r[0])).collect()
    }

    /// Public notices of revocation decided on or after `since`, oldest first.
    pub async fn revocations_since(
        &self,
        since: Option<NaiveDate>,
        limit: usize,
    ) -> Result<Vec<PublicRevocation>, ProjectionError> {
        let since = since.map(|d| d.to_string()).unwrap_or_default();
        let rows = self
            .db
            .fetch(
                "SELECT global_position, product_id, name, producer_name, province, stars, \
                 certificate_no, recognition_decision_no, decision_no, decided_on, authority, \
                 grounds, details, recorded_at FROM rm_revocations WHERE decided_on >= $1 \
                 ORDER BY decided_on, global_position LIMIT $2",
                vec![since.into(), (limit.max(1) as i64).into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PublicRevocation {
                    global_position: r[0].i64().unwrap_or(0),
                    product_id: uuid(&r[1])?,
                    name: text(&r[2]),
                    producer: text(&r[3]),
                    province: text(&r[4]),
                    stars: r[5].i64(),
                    certificate_no: r[6].text(),
                    recognition_decision_no: r[7].text(),
                    decision_no: r[8].text(),
                    decided_on: text(&r[9]),
                    authority: r[10].text(),
                    grounds: json(&r[11])?,
                    details: r[12].text(),
                    recorded_at: text(&r[13]),
                })
            })
            .collect()
    }
}

/// The province a public search names, if any: its words are taken out of `words`, and
/// the answer is the recorded codes it covers — a province in force `today` with its
/// predecessors (`Tuyên Quang` finds Hà Giang's records), or a province of before the 2025
/// merger as its records name it (`Hà Giang`).
fn named_province(words: &mut Vec<&str>, today: NaiveDate) -> Option<Vec<String>> {
    use ocop_domain::units;
    let before = units::MERGER_2025.pred_opt().unwrap_or(units::MERGER_2025);
    let in_force = units::provinces_on(today)
        .into_iter()
        .map(|p| (p.name, units::recorded_codes(p.code)));
    let former = units::provinces_on(before)
        .into_iter()
        .map(|p| (p.name, vec![p.code.to_owned()]));
    for (name, codes) in in_force.chain(former) {
        let name = search_key(name);
        let name: Vec<&str> = name.split_whitespace().collect();
        if name.is_empty() || name.len() > words.len() {
            continue;
        }
        if let Some(at) =
            (0..=words.len() - name.len()).find(|&i| words[i..i + name.len()] == name[..])
        {
            words.drain(at..at + name.len());
            return Some(codes);
        }
    }
    None
}
