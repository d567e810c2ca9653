//! How close two names are, for the "did you mean" of a misspelt keyword
//! or built-in action.

/// The number of single-character edits that turn `a` into `b`: insertions,
/// deletions, substitutions, and swaps of two adjacent characters (optimal
/// string alignment distance), so `insret` is 1 from `insert`.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between the first i chars of a and the
    // first j of b.
    let mut rows = vec![vec![0; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The one of `known` that `word` is most likely a misspelling of: the
/// closest, at most one edit away from a word of up to four characters and
/// two from a longer one; `None` when none is that close.
pub fn closest<'k>(word: &str, known: impl IntoIterator<Item = &'k str>) -> Option<&'k str> {
    known
        .into_iter()
        .map(|candidate| (distance(word, candidate), candidate))
        .filter(|(edits, candidate)| {
            let allowed = if candidate.chars().count() <= 4 { 1 } else { 2 };
            *edits <= allowed && *edits < word.chars().count()
        })
        .min_by_key(|(edits, _)| *edits)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_edit_counts_one() {
        assert_eq!(distance("insert", "insert"), 0);
        assert_eq!(distance("insret", "insert"), 1);
        assert_eq!(distance("action", "actions"), 1);
        assert_eq!(distance("updte", "update"), 1);
        assert_eq!(distance("upsate", "update"), 1);
        assert_eq!(distance("upsert", "insert"), 2);
        assert_eq!(distance("", "log"), 3);
    }

    #[test]
    fn a_close_word_is_suggested_and_a_far_one_is_not() {
        let options = ["log", "actions", "links", "savepoint_every", "id"];
        assert_eq!(closest("action", options), Some("actions"));
        assert_eq!(closest("lgo", options), Some("log"));
        assert_eq!(
            closest("savepoints_every", options),
            Some("savepoint_every")
        );
        assert_eq!(closest("colour", options), None);
        assert_eq!(closest("lg", options), Some("log"));
        // A one-letter word is not a misspelling of a two-letter one.
        assert_eq!(closest("x", options), None);
    }
}
