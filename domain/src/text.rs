//! Text compared as people mean it: a search key (lowercase, without diacritics, so
//! "mat ong" finds "Mật ong"), and authorities compared by identity, not spelling. (Called
//! a search key, not "folding": in this code base to fold is to apply a stream's events.)

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The form of `text` a search compares: NFD decomposition, combining marks removed, `đ`/`Đ` → `d`,
/// lowercase, runs of whitespace collapsed to one space.
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// An authority's identity for comparison: folded, the abbreviation `UBND` written out
/// (`Ủy ban nhân dân`), punctuation ignored — so "UBND tỉnh Lâm Đồng", "Ủy ban nhân dân
/// tỉnh Lâm Đồng" and "Uỷ ban Nhân dân  tỉnh Lâm Đồng" are one authority.
pub fn authority_key(authority: &str) -> String {
    let folded: String = search_key(authority)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded
        .split_whitespace()
        .map(|w| if w == "ubnd" { "uy ban nhan dan" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two spellings name one authority ([`authority_key`]).
pub fn same_authority(a: &str, b: &str) -> bool {
    authority_key(a) == authority_key(b)
}

#[cfg(test)]
mod tests {
    use super::{same_authority, search_key};

    #[test]
    fn one_authority_whatever_its_spelling() {
        assert!(same_authority(
            "UBND tỉnh Lâm Đồng",
            "Ủy ban nhân dân tỉnh Lâm Đồng"
        ));
        assert!(same_authority(
            "UBND tỉnh Lâm Đồng",
            "Uỷ ban Nhân dân  tỉnh Lâm Đồng."
        ));
        assert!(!same_authority("UBND tỉnh Lâm Đồng", "UBND tỉnh Đắk Lắk"));
    }

    #[test]
    fn folds_vietnamese_to_plain_lowercase() {
        assert_eq!(search_key("Mật ong hoa cà phê"), "mat ong hoa ca phe");
        assert_eq!(
            search_key("HTX Nông nghiệp Đắk Song"),
            "htx nong nghiep dak song"
        );
        assert_eq!(search_key("  Trà   Shan tuyết "), "tra shan tuyet");
    }

    #[test]
    fn folding_is_idempotent() {
        let once = search_key("Nước mắm Phú Quốc");
        assert_eq!(search_key(&once), once);
    }
}
