//! Stable sorting with one small body for every element type: std's sort (driftsort)
//! is instantiated per element type and comparator, about 3 KB of wasm each, several KB
//! of the page's gzipped scanning worker for a handful of short lists
//! (`bench/wasm_size.sh`). Same results as `slice::sort_by` (both are stable), in
//! O(n log n) comparisons.

use std::cmp::Ordering;

/// Sorts `v` by `cmp`, keeping equal elements in their order (as `slice::sort_by`).
pub fn by<T>(v: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let order = {
        let items: &[T] = v;
        sorted_indices(items.len(), &mut |a, b| cmp(&items[a], &items[b]))
    };
    let mut items: Vec<Option<T>> = v.drain(..).map(Some).collect();
    v.extend(order.into_iter().filter_map(|i| items[i].take()));
}

/// Sorts `v` by `key`, keeping equal keys in their order (as `slice::sort_by_key`).
pub fn by_key<T, K: Ord>(v: &mut Vec<T>, mut key: impl FnMut(&T) -> K) {
    by(v, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `v` in ascending order (as `slice::sort`).
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    by(v, T::cmp);
}

/// The positions `0..n` in the order `cmp` sorts them, equal ones in their order: a
/// bottom-up merge sort, not generic over the elements.
fn sorted_indices(n: usize, cmp: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut a: Vec<usize> = (0..n).collect();
    let mut b = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            for slot in &mut b[start..end] {
                // Take from the right run only when strictly smaller: stability.
                if j < end && (i == mid || cmp(a[j], a[i]) == Ordering::Less) {
                    *slot = a[j];
                    j += 1;
                } else {
                    *slot = a[i];
                    i += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unnecessary_sort_by)] // std's sort_by is what `by` is compared with
    fn same_order_as_std_stable_sort() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for n in (0..70).chain([255, 256, 257, 1000]) {
            let v: Vec<(u8, usize)> = (0..n)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    ((x % 7) as u8, i) // many equal keys: the second field shows stability
                })
                .collect();
            let mut want = v.clone();
            want.sort_by_key(|p| p.0);
            let mut got = v.clone();
            by_key(&mut got, |p| p.0);
            assert_eq!(got, want, "n = {n}");
            let mut want = v.clone();
            want.sort_by(|a, b| b.0.cmp(&a.0));
            let mut got = v.clone();
            by(&mut got, |a, b| b.0.cmp(&a.0));
            assert_eq!(got, want, "reverse, n = {n}");
            let mut want = v.clone();
            want.sort();
            let mut got = v;
            sort(&mut got);
            assert_eq!(got, want, "n = {n}");
        }
    }
}
