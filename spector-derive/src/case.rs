//! Name cases: action names are snake_case (`soft_delete`), their enum
//! variants CamelCase (`SoftDelete`).

/// True for a snake_case name: lowercase ASCII letters and digits in words
/// joined by single underscores, starting with a letter (`edit`,
/// `soft_delete`, `version_2`).
pub fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('_').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The CamelCase form of a snake_case name: `soft_delete` → `SoftDelete`.
pub fn to_camel_case(snake: &str) -> String {
    snake
        .split('_')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

/// The snake_case form of a name written in another case, for suggestions:
/// `SoftDelete` → `soft_delete`, `softDelete` → `soft_delete`.
pub fn to_snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c == '_' || c == '-' {
            if !snake.is_empty() && !snake.ends_with('_') {
                snake.push('_');
            }
        } else if c.is_uppercase() {
            if !snake.is_empty() && !snake.ends_with('_') {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    while snake.ends_with('_') {
        snake.pop();
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_names_are_recognised() {
        for name in ["edit", "soft_delete", "version_2", "a1", "a_1"] {
            assert!(is_snake_case(name), "{name}");
        }
    }

    #[test]
    fn other_cases_are_not_snake_case() {
        for name in [
            "",
            "Edit",
            "softDelete",
            "_edit",
            "edit_",
            "soft__delete",
            "2fa",
            "über",
        ] {
            assert!(!is_snake_case(name), "{name}");
        }
    }

    #[test]
    fn camel_case_capitalises_every_word() {
        assert_eq!(to_camel_case("edit"), "Edit");
        assert_eq!(to_camel_case("soft_delete"), "SoftDelete");
        assert_eq!(to_camel_case("version_2"), "Version2");
    }

    #[test]
    fn snake_case_suggestions_split_words_at_capitals() {
        assert_eq!(to_snake_case("SoftDelete"), "soft_delete");
        assert_eq!(to_snake_case("softDelete"), "soft_delete");
        assert_eq!(to_snake_case("Soft__Delete_"), "soft_delete");
        assert_eq!(to_snake_case("edit"), "edit");
    }
}
