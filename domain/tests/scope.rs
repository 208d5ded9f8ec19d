//! The one scope model of reads: one product's place against a scope, and a list's place
//! filters narrowed to it, with the units in force on the day of the read.

mod support;
use ocop_domain::authorization::{ListPlace, RecordedPlace, confine_list, may_read};
use serde_json::json;
use support::*;

#[test]
fn a_place_is_read_from_a_state_or_a_rows_codes() {
    let state = json!({"name": "Trà Ô long", "province": "68", "commune": "24730",
                       "district": null, "status": "recognized"});
    let place = RecordedPlace::of(&state).unwrap();
    assert_eq!(place.province.as_str(), "68");
    assert_eq!(place.commune.as_ref().map(|c| c.as_str()), Some("24730"));
    assert_eq!(place.district, None);
    assert_eq!(RecordedPlace::parse("68", Some("24730"), None), Some(place));
    // Without a valid province there is no place: only national scopes read such a record.
    assert_eq!(RecordedPlace::of(&json!({"name": "x"})), None);
    assert_eq!(RecordedPlace::parse("6", None, None), None);
}

#[test]
fn a_scope_reads_its_own_place_and_from_the_merger_its_predecessors() {
    // Hà Giang (02) merged into Tuyên Quang (08) on 1 Jul 2025.
    let ha_giang = RecordedPlace::parse("02", Some("00688"), None).unwrap();
    let before = d("2025-06-30");
    let after = d("2025-07-01");
    let tuyen_quang = provincial_secretary("08");
    assert!(!may_read(&tuyen_quang, &ha_giang.on(before, None)));
    assert!(may_read(&tuyen_quang, &ha_giang.on(after, None)));
    assert!(may_read(
        &provincial_secretary("02"),
        &ha_giang.on(before, None)
    ));
    assert!(may_read(&inspector("national"), &ha_giang.on(before, None)));
    assert!(!may_read(
        &provincial_secretary("68"),
        &ha_giang.on(after, None)
    ));

    let officer = commune_officer("province:02/commune:00688");
    assert!(may_read(&officer, &ha_giang.on(after, None)));
    let neighbour = commune_officer("province:02/commune:00691");
    assert!(!may_read(&neighbour, &ha_giang.on(after, None)));
    // A reorganisation of communes gave the record to the neighbour.
    let holder = neighbour_commune();
    assert!(may_read(&neighbour, &ha_giang.on(after, Some(&holder))));

    let district_record = RecordedPlace::parse("68", None, Some("672")).unwrap();
    assert!(may_read(
        &district_secretary("province:68/district:672"),
        &district_record.on(before, None)
    ));
    assert!(!may_read(
        &district_secretary("province:68/district:673"),
        &district_record.on(before, None)
    ));
}

fn neighbour_commune() -> ocop_domain::CommuneCode {
    ocop_domain::CommuneCode::parse("00691").unwrap()
}

fn list(province: Option<&str>, commune: Option<&str>) -> ListPlace {
    ListPlace {
        province: province.map(str::to_owned),
        commune: commune.map(str::to_owned),
        district: None,
    }
}

#[test]
fn a_list_is_narrowed_to_the_scope_and_a_filter_outside_it_refused() {
    let on = d("2025-09-01");
    // National: the filters as asked.
    let mut asked = list(Some("68"), None);
    confine_list(&central_secretary(), &mut asked, on).unwrap();
    assert_eq!(asked, list(Some("68"), None));

    // A province's scope: its own province when none is asked, a predecessor when asked.
    let mut asked = ListPlace::default();
    confine_list(&provincial_secretary("08"), &mut asked, on).unwrap();
    assert_eq!(asked, list(Some("08"), None));
    let mut asked = list(Some("02"), None);
    confine_list(&provincial_secretary("08"), &mut asked, on).unwrap();
    assert_eq!(asked, list(Some("02"), None));
    let mut asked = list(Some("68"), None);
    assert_eq!(
        confine_list(&provincial_secretary("08"), &mut asked, on),
        Err("province 68".to_owned())
    );
    // Before the merger the predecessor was a province of its own.
    let mut asked = list(Some("02"), None);
    assert_eq!(
        confine_list(&provincial_secretary("08"), &mut asked, d("2025-06-30")),
        Err("province 02".to_owned())
    );

    // A commune's officer: pinned to its commune.
    let officer = commune_officer("province:68/commune:24730");
    let mut asked = ListPlace::default();
    confine_list(&officer, &mut asked, on).unwrap();
    assert_eq!(asked, list(Some("68"), Some("24730")));
    let mut asked = list(None, Some("24731"));
    assert_eq!(
        confine_list(&officer, &mut asked, on),
        Err("commune 24731".to_owned())
    );

    // A district's secretary: pinned to its province and district.
    let mut asked = ListPlace::default();
    confine_list(
        &district_secretary("province:68/district:672"),
        &mut asked,
        on,
    )
    .unwrap();
    assert_eq!(
        asked,
        ListPlace {
            province: Some("68".into()),
            commune: None,
            district: Some("672".into()),
        }
    );
}
