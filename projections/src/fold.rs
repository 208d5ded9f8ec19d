//! Text folding for search: lowercase, without diacritics, so "mat ong" finds "Mật ong".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `text` for search: NFD decomposition, combining marks removed, `đ`/`Đ` → `d`,
/// lowercase, runs of whitespace collapsed to one space.
pub fn fold(text: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_vietnamese_to_plain_lowercase() {
        assert_eq!(fold("Mật ong hoa cà phê"), "mat ong hoa ca phe");
        assert_eq!(fold("HTX Nông nghiệp Đắk Song"), "htx nong nghiep dak song");
        assert_eq!(fold("  Trà   Shan tuyết "), "tra shan tuyet");
    }

    #[test]
    fn folding_is_idempotent() {
        let once = fold("Nước mắm Phú Quốc");
        assert_eq!(fold(&once), once);
    }
}
