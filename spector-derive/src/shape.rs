//! What a payload type serializes to, when the derive can tell from its
//! name alone: a payload is stored as a JSON object, so a primitive, a
//! string, a sequence or a tuple can never be one.

use syn::{GenericArgument, PathArguments, Type};

/// What `ty` serializes to when that is surely not a JSON object (`"a
/// string"` for `String`); `None` for any type that may be one (a struct,
/// a map, `Attrs`, a type the derive does not know).
///
/// Only primitives and std types are recognized, by their names alone or
/// under `std`, `core` or `alloc`, so a type of your own that shares a
/// name with one is taken for it only when it is named without a path.
pub fn not_an_object(ty: &Type) -> Option<&'static str> {
    match ty {
        Type::Tuple(tuple) if tuple.elems.is_empty() => Some("null"),
        Type::Tuple(_) | Type::Array(_) | Type::Slice(_) => Some("an array"),
        Type::Reference(reference) => not_an_object(&reference.elem),
        Type::Paren(paren) => not_an_object(&paren.elem),
        Type::Group(group) => not_an_object(&group.elem),
        Type::Path(path) if path.qself.is_none() => {
            let segments = &path.path.segments;
            let last = segments.last()?;
            let from_std = segments.len() == 1
                || segments
                    .first()
                    .is_some_and(|first| ["std", "core", "alloc"].iter().any(|s| first.ident == s));
            if !from_std {
                return None;
            }
            match last.ident.to_string().as_str() {
                "String" | "str" | "char" | "PathBuf" | "Path" => Some("a string"),
                "bool" => Some("a boolean"),
                "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64"
                | "u128" | "usize" | "f32" | "f64" => Some("a number"),
                "Vec" | "VecDeque" | "LinkedList" | "HashSet" | "BTreeSet" | "BinaryHeap" => {
                    Some("an array")
                }
                "Option" => Some("null when it is `None`"),
                "Box" | "Rc" | "Arc" => {
                    first_type_argument(&last.arguments).and_then(not_an_object)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The first type argument of `Box<T>`, `Rc<T>` or `Arc<T>`.
fn first_type_argument(arguments: &PathArguments) -> Option<&Type> {
    match arguments {
        PathArguments::AngleBracketed(angle) => angle.args.iter().find_map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty),
            _ => None,
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(ty: &str) -> Option<&'static str> {
        match syn::parse_str::<Type>(ty) {
            Ok(ty) => not_an_object(&ty),
            Err(error) => panic!("`{ty}` should parse: {error}"),
        }
    }

    #[test]
    fn primitives_strings_sequences_and_tuples_are_not_objects() {
        assert_eq!(shape("String"), Some("a string"));
        assert_eq!(shape("std::string::String"), Some("a string"));
        assert_eq!(shape("&'static str"), Some("a string"));
        assert_eq!(shape("u32"), Some("a number"));
        assert_eq!(shape("bool"), Some("a boolean"));
        assert_eq!(shape("Vec<Note>"), Some("an array"));
        assert_eq!(shape("(u32, u32)"), Some("an array"));
        assert_eq!(shape("[u8; 4]"), Some("an array"));
        assert_eq!(shape("()"), Some("null"));
        assert_eq!(shape("Option<Note>"), Some("null when it is `None`"));
        assert_eq!(shape("Box<str>"), Some("a string"));
    }

    #[test]
    fn structs_maps_and_unknown_types_may_be_objects() {
        assert_eq!(shape("Note"), None);
        assert_eq!(shape("spector::Attrs"), None);
        assert_eq!(shape("BTreeMap<String, u32>"), None);
        assert_eq!(shape("serde_json::Value"), None);
        assert_eq!(shape("Box<Note>"), None);
        // A type of your own that is named like a std one, under its path.
        assert_eq!(shape("crate::model::String"), None);
    }
}
