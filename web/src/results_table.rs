//! The order, filter and pages of the page's results table, and the size of the pool of
//! scanning workers. Pure functions over plain rows, so they are unit-tested on the host;
//! the page (`bin/app/table.rs`, `bin/app/pool.rs`) keeps the DOM.

use std::cmp::Ordering;

/// Rows per page of the table (and cards below it): a page is rendered at once, so a
/// folder of thousands of files never puts thousands of rows in the DOM.
pub const PAGE_SIZE: usize = 100;

/// At most this many scanning workers: each holds a wasm instance (tens of MB once a
/// large file has been scanned) and the scans are mostly CPU-bound, so more workers than
/// cores only add memory.
pub const MAX_WORKERS: usize = 4;

/// URL knob (`?ks-workers=N`) fixing the pool size, for benchmarks and tests.
pub const WORKERS_PARAM: &str = "ks-workers";

/// The number of scanning workers: `navigator.hardwareConcurrency` (0 or NaN when the
/// browser hides it: one worker), capped at [`MAX_WORKERS`]; the URL knob overrides it
/// within the same bounds.
pub fn pool_size(search: &str, hardware_concurrency: f64) -> usize {
    let knob = crate::protocol::query_param(search, WORKERS_PARAM).and_then(|v| v.parse::<usize>().ok());
    let n = match knob {
        Some(n) => n,
        None if hardware_concurrency.is_finite() && hardware_concurrency >= 1.0 => hardware_concurrency as usize,
        None => 1,
    };
    n.clamp(1, MAX_WORKERS)
}

/// The verdict column's key of a row: the report's verdict, or the page's own states.
pub const PENDING: &str = "pending";
pub const FAILED: &str = "failed";

/// How dangerous a verdict is, 0 the most. An unknown verdict (a newer report) ranks just
/// under `suspicious`: never sorted among the clean files.
pub fn verdict_rank(v: &str) -> u8 {
    match v {
        "malicious" => 0,
        "suspicious" => 1,
        "error" | FAILED => 3,
        "lambda" => 4,
        "review" => 5,
        "clean" => 6,
        PENDING => 7,
        _ => 2,
    }
}

/// Severity order of findings, 0 the most severe.
pub fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        "info" => 4,
        _ => 5,
    }
}

/// What the table knows of one file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    /// The order the file was added in (the table's order until the user sorts).
    pub id: u32,
    pub name: String,
    /// A report verdict, [`PENDING`] or [`FAILED`].
    pub verdict: String,
    /// The most severe finding: (severity rank, code); `None` without findings.
    pub top: Option<(u8, String)>,
    /// Every rule code among the findings (each once).
    pub codes: Vec<String>,
    pub size: f64,
    pub ms: Option<f64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    Verdict,
    Top,
    Size,
    Time,
}

impl Column {
    pub const ALL: [Column; 5] = [Column::Name, Column::Verdict, Column::Top, Column::Size, Column::Time];

    pub fn key(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Verdict => "verdict",
            Column::Top => "top",
            Column::Size => "size",
            Column::Time => "time",
        }
    }

    pub fn from_key(k: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == k)
    }

    /// The direction of the first click: names A→Z; verdicts and findings most dangerous
    /// first; sizes and times largest first.
    pub fn first_ascending(self) -> bool {
        self == Column::Name
    }
}

/// The sort the user chose: a column and a direction ("ascending" is in the column's
/// values: for verdicts and findings, least dangerous first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub ascending: bool,
}

impl Sort {
    /// The sort after a click on `column`'s header: that column in its first direction,
    /// or, when it is already sorted by it, the other direction.
    pub fn clicked(current: Option<Sort>, column: Column) -> Sort {
        match current {
            Some(s) if s.column == column => Sort { column, ascending: !s.ascending },
            _ => Sort { column, ascending: column.first_ascending() },
        }
    }
}

/// Ascending order of two rows in `column` (ties: the order added).
fn compare(a: &Row, b: &Row, column: Column) -> Ordering {
    let by = match column {
        Column::Name => a.name.cmp(&b.name),
        // Rank 0 is the most dangerous, so ascending danger is descending rank.
        Column::Verdict => verdict_rank(&b.verdict).cmp(&verdict_rank(&a.verdict)),
        Column::Top => {
            let key = |r: &Row| r.top.as_ref().map(|(rank, code)| (5 - (*rank).min(5), code.clone()));
            match (key(a), key(b)) {
                (Some((ra, ca)), Some((rb, cb))) => ra.cmp(&rb).then_with(|| cb.cmp(&ca)),
                (x, y) => x.is_some().cmp(&y.is_some()),
            }
        }
        Column::Size => a.size.total_cmp(&b.size),
        Column::Time => a.ms.unwrap_or(-1.0).total_cmp(&b.ms.unwrap_or(-1.0)),
    };
    by
}

/// The filter: a verdict key (or empty: all) and a rule code (or empty: all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub verdict: String,
    pub code: String,
}

impl Filter {
    pub fn keeps(&self, r: &Row) -> bool {
        (self.verdict.is_empty() || r.verdict == self.verdict) && (self.code.is_empty() || r.codes.contains(&self.code))
    }
}

/// The ids of the rows shown, in order: filtered, then sorted (stable: equal rows keep
/// the order they were added in, whatever order their scans finished in).
pub fn visible(rows: &[Row], filter: &Filter, sort: Option<Sort>) -> Vec<u32> {
    let mut kept: Vec<&Row> = rows.iter().filter(|r| filter.keeps(r)).collect();
    match sort {
        // crate::sort: one small body instead of std's sort per element type.
        None => keras_sentinel::sort::by_key(&mut kept, |r| r.id),
        Some(s) => keras_sentinel::sort::by(&mut kept, |a, b| {
            let o = compare(a, b, s.column);
            let o = if s.ascending { o } else { o.reverse() };
            o.then(a.id.cmp(&b.id))
        }),
    }
    kept.into_iter().map(|r| r.id).collect()
}

/// The page `page` of `len` rows clamped to the last page: (page, start, end).
pub fn page_range(len: usize, page: usize) -> (usize, usize, usize) {
    let pages = len.div_ceil(PAGE_SIZE).max(1);
    let page = page.min(pages - 1);
    let start = page * PAGE_SIZE;
    (page, start, (start + PAGE_SIZE).min(len))
}

/// How many rows have each verdict key, most dangerous first (keys with none left out).
pub fn verdict_counts(rows: &[Row]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for r in rows {
        match counts.iter_mut().find(|(v, _)| *v == r.verdict) {
            Some((_, n)) => *n += 1,
            None => counts.push((r.verdict.clone(), 1)),
        }
    }
    keras_sentinel::sort::by(&mut counts, |a, b| {
        verdict_rank(&a.0).cmp(&verdict_rank(&b.0)).then_with(|| a.0.cmp(&b.0))
    });
    counts
}

/// Every rule code among the rows with the number of files that have it, by code.
pub fn code_counts(rows: &[Row]) -> Vec<(String, usize)> {
    // A list, not a BTreeMap: a few dozen codes, and no BTree code for this type.
    let mut m: Vec<(String, usize)> = Vec::new();
    for r in rows {
        for c in &r.codes {
            match m.iter_mut().find(|(k, _)| k == c) {
                Some((_, n)) => *n += 1,
                None => m.push((c.clone(), 1)),
            }
        }
    }
    keras_sentinel::sort::by(&mut m, |a, b| a.0.cmp(&b.0));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u32, name: &str, verdict: &str, top: Option<(u8, &str)>, size: f64, ms: Option<f64>) -> Row {
        Row {
            id,
            name: name.into(),
            verdict: verdict.into(),
            top: top.map(|(r, c)| (r, c.to_string())),
            codes: top.map(|(_, c)| vec![c.to_string()]).unwrap_or_default(),
            size,
            ms,
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            row(1, "b.keras", "clean", None, 10.0, Some(5.0)),
            row(2, "a.keras", "malicious", Some((0, "PAIT-KERAS-101")), 30.0, Some(1.0)),
            row(3, "c.h5", PENDING, None, 20.0, None),
            row(4, "d.keras", "lambda", Some((4, "PAIT-KERAS-100")), 5.0, Some(9.0)),
            row(5, "e.keras", "malicious", Some((1, "PAIT-KERAS-102")), 30.0, Some(2.0)),
            row(6, "f.json", "newverdict", None, 1.0, Some(0.5)),
        ]
    }

    #[test]
    fn unsorted_is_the_order_added_whatever_the_order_of_the_rows() {
        let mut r = rows();
        r.reverse(); // results arrive in any order
        assert_eq!(visible(&r, &Filter::default(), None), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn each_column_sorts_both_ways_with_ties_in_the_order_added() {
        let r = rows();
        let all = Filter::default();
        let s = |c, asc| Some(Sort { column: c, ascending: asc });
        assert_eq!(visible(&r, &all, s(Column::Name, true)), vec![2, 1, 3, 4, 5, 6]);
        assert_eq!(visible(&r, &all, s(Column::Name, false)), vec![6, 5, 4, 3, 1, 2]);
        // Most dangerous first; an unknown verdict under suspicious, above error/clean.
        assert_eq!(visible(&r, &all, s(Column::Verdict, false)), vec![2, 5, 6, 4, 1, 3]);
        assert_eq!(visible(&r, &all, s(Column::Verdict, true)), vec![3, 1, 4, 6, 2, 5]);
        // Most severe finding first, rows without findings last.
        assert_eq!(visible(&r, &all, s(Column::Top, false)), vec![2, 5, 4, 1, 3, 6]);
        assert_eq!(visible(&r, &all, s(Column::Size, false)), vec![2, 5, 3, 1, 4, 6]);
        assert_eq!(visible(&r, &all, s(Column::Time, false)), vec![4, 1, 5, 2, 6, 3]);
    }

    #[test]
    fn a_click_sorts_in_the_first_direction_then_reverses() {
        let first = Sort::clicked(None, Column::Verdict);
        assert_eq!(first, Sort { column: Column::Verdict, ascending: false });
        assert!(Sort::clicked(Some(first), Column::Verdict).ascending);
        assert_eq!(Sort::clicked(Some(first), Column::Name), Sort { column: Column::Name, ascending: true });
        for c in Column::ALL {
            assert_eq!(Column::from_key(c.key()), Some(c));
        }
    }

    #[test]
    fn filters_by_verdict_and_by_code_together() {
        let r = rows();
        let f = |v: &str, c: &str| Filter { verdict: v.into(), code: c.into() };
        assert_eq!(visible(&r, &f("malicious", ""), None), vec![2, 5]);
        assert_eq!(visible(&r, &f("", "PAIT-KERAS-100"), None), vec![4]);
        assert_eq!(visible(&r, &f("malicious", "PAIT-KERAS-102"), None), vec![5]);
        assert_eq!(visible(&r, &f("clean", "PAIT-KERAS-102"), None), Vec::<u32>::new());
        assert_eq!(visible(&r, &f(PENDING, ""), None), vec![3]);
    }

    #[test]
    fn pages_clamp_to_the_last_one() {
        assert_eq!(page_range(0, 0), (0, 0, 0));
        assert_eq!(page_range(250, 1), (1, 100, 200));
        assert_eq!(page_range(250, 7), (2, 200, 250));
        assert_eq!(page_range(100, 1), (0, 0, 100));
    }

    #[test]
    fn counts_by_verdict_most_dangerous_first_and_by_code() {
        let r = rows();
        let v = verdict_counts(&r);
        assert_eq!(v[0], ("malicious".to_string(), 2));
        assert_eq!(
            v.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["malicious", "newverdict", "lambda", "clean", PENDING]
        );
        assert_eq!(
            code_counts(&r),
            vec![("PAIT-KERAS-100".into(), 1), ("PAIT-KERAS-101".into(), 1), ("PAIT-KERAS-102".into(), 1)]
        );
    }

    #[test]
    fn the_pool_follows_the_cores_within_bounds() {
        assert_eq!(pool_size("", 8.0), 4);
        assert_eq!(pool_size("", 2.0), 2);
        assert_eq!(pool_size("", 0.0), 1);
        assert_eq!(pool_size("", f64::NAN), 1);
        assert_eq!(pool_size("?a=1&ks-workers=1", 8.0), 1);
        assert_eq!(pool_size("?ks-workers=3", 1.0), 3);
        assert_eq!(pool_size("?ks-workers=99", 1.0), MAX_WORKERS);
        assert_eq!(pool_size("?ks-workers=0", 2.0), 1);
        assert_eq!(pool_size("?ks-workers=x", 2.0), 2);
    }
}
