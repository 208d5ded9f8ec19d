//! Lists as files a secretary opens in Excel: a table of typed cells written as CSV (UTF-8
//! with a BOM, RFC 4180 quoting, every text cell neutralised against formula injection) or
//! as xlsx (numbers as numbers, dates as dates, a frozen header row and an autofilter).
//!
//! Rows arrive page by page: CSV is encoded page by page as the body streams out; xlsx is
//! written in the writer's constant-memory mode (each row goes to a temporary file as it is
//! written), so memory does not grow with the list, and the file is zipped at the end.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Empty,
}

impl Cell {
    /// A text cell, empty for an empty string.
    pub fn text(s: impl Into<String>) -> Cell {
        let s = s.into();
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    /// A decimal written as text (`"69.67"`) as a number; anything else as text.
    pub fn decimal(s: Option<&str>) -> Cell {
        match s {
            None => Cell::Empty,
            Some(t) => t
                .parse::<f64>()
                .map_or_else(|_| Cell::text(t), Cell::Number),
        }
    }

    /// An ISO date as a date; anything else as text.
    pub fn date(s: Option<&str>) -> Cell {
        match s {
            None => Cell::Empty,
            Some(t) => t
                .parse::<NaiveDate>()
                .map_or_else(|_| Cell::text(t), Cell::Date),
        }
    }
}

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// `csv` or `xlsx`.
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s {
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }
}

/// The byte order mark Excel needs to read a CSV file as UTF-8.
pub const BOM: &str = "\u{feff}";

/// A text cell Excel would read as a formula (`=`, `+`, `-`, `@`, tab, carriage return)
/// gets a leading apostrophe, so `=HYPERLINK(…)` in a product name stays text.
fn neutralised(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// One CSV line (CRLF-terminated, RFC 4180, by the `csv` crate): quoted where it holds a
/// comma, a quote or a line break.
pub fn csv_line(cells: &[Cell], out: &mut String) {
    let texts: Vec<std::borrow::Cow<'_, str>> = cells
        .iter()
        .map(|cell| match cell {
            Cell::Text(s) => neutralised(s),
            Cell::Number(n) => n.to_string().into(),
            Cell::Date(d) => d.to_string().into(),
            Cell::Empty => "".into(),
        })
        .collect();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(1024)
        .from_writer(Vec::with_capacity(128));
    // Writing to memory cannot fail.
    let written = writer
        .write_record(texts.iter().map(|t| t.as_bytes()))
        .ok()
        .and_then(|()| writer.into_inner().ok())
        .unwrap_or_default();
    out.push_str(&String::from_utf8_lossy(&written));
}

/// An xlsx sheet being written row by row.
#[allow(missing_debug_implementations)] // the workbook is opaque
pub struct Sheet {
    workbook: Workbook,
    date: Format,
    header: Format,
    columns: u16,
    rows: u32,
}

impl Sheet {
    /// A workbook with one sheet called `name` and its header row.
    pub fn new(name: &str, header: &[&str]) -> Result<Sheet, XlsxError> {
        let mut sheet = Sheet {
            workbook: Workbook::new(),
            date: Format::new().set_num_format("dd/mm/yyyy"),
            header: Format::new().set_bold(),
            columns: header.len() as u16,
            rows: 0,
        };
        let bold = sheet.header.clone();
        let ws = sheet.workbook.add_worksheet_with_constant_memory();
        ws.set_name(name)?;
        for (c, title) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *title, &bold)?;
            ws.set_column_width(c as u16, if c == 0 { 6 } else { 18 })?;
        }
        ws.set_freeze_panes(1, 0)?;
        sheet.rows = 1;
        Ok(sheet)
    }

    /// Appends a row.
    pub fn row(&mut self, cells: &[Cell]) -> Result<(), XlsxError> {
        let r = self.rows;
        let date = self.date.clone();
        let ws = self.workbook.worksheet_from_index(0)?;
        for (c, cell) in cells.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => {
                    ws.write_string(r, c, s.as_str())?;
                }
                Cell::Number(n) => {
                    ws.write_number(r, c, *n)?;
                }
                Cell::Date(d) => {
                    let when =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    ws.write_datetime_with_format(r, c, &when, &date)?;
                }
                Cell::Empty => {}
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// The finished file.
    pub fn finish(mut self) -> Result<Vec<u8>, XlsxError> {
        let last_row = self.rows.saturating_sub(1);
        let last_col = self.columns.saturating_sub(1);
        let ws = self.workbook.worksheet_from_index(0)?;
        ws.autofilter(0, 0, last_row, last_col)?;
        self.workbook.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_neutralised() {
        let mut out = String::new();
        csv_line(
            &[
                Cell::Number(1.0),
                Cell::text("=HYPERLINK(\"http://x\")"),
                Cell::text("Mật ong, hoa cà phê"),
                Cell::Date("2025-09-20".parse().unwrap()),
                Cell::Empty,
                Cell::text("-1"),
            ],
            &mut out,
        );
        assert_eq!(
            out,
            "1,\"'=HYPERLINK(\"\"http://x\"\")\",\"Mật ong, hoa cà phê\",2025-09-20,,'-1\r\n"
        );
    }

    #[test]
    fn csv_fields_with_commas_quotes_and_newlines_are_quoted() {
        let field = |s: &str| {
            let mut out = String::new();
            csv_line(&[Cell::text(s)], &mut out);
            out.strip_suffix("\r\n").unwrap().to_owned()
        };
        assert_eq!(field("UBND tỉnh Lâm Đồng"), "UBND tỉnh Lâm Đồng");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("two\r\nlines"), "\"two\r\nlines\"");
        // Formulas a spreadsheet would run are written as text.
        assert_eq!(
            field("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(field("+1"), "'+1");
        assert_eq!(field("-2+3"), "'-2+3");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("\t=1"), "'\t=1");
        assert_eq!(field("12/QĐ-UBND"), "12/QĐ-UBND");
        assert_eq!(field("69.67"), "69.67");
    }
}
